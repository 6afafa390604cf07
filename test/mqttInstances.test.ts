import type { MqttClient } from 'mqtt';
import { eventually } from './support/alertKit';
import { collectMessages, connectDevice, grantedQos, mqttUrl } from './support/mqttClient';
import { createFleet, freshDatabaseUri, type RunningServer, startServerProcess } from './support/serverProcess';

/**
 * Several instances behind a load balancer (api.md §14 with §10's feed): a device publishing
 * to one instance and a dashboard subscribed on another see the same points.
 */

const adminKey = `dakkio_a_${'M'.repeat(40)}`;

describe('MQTT across two server processes on one database', () => {
  let a: RunningServer;
  let b: RunningServer;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    const env = {
      MONGODB_URI: freshDatabaseUri('mqtt_instances'),
      DAKKIO_BOOTSTRAP_ADMIN_KEY: adminKey,
      MQTT_PORT: '0',
      MQTT_HOST: '127.0.0.1',
    };
    a = await startServerProcess(env);
    b = await startServerProcess(env);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.endAsync(true)));
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('delivers a point published to instance B to a subscriber on instance A, once', async () => {
    const fleet = await createFleet(a, adminKey);
    const topic = `dakkio/sources/${fleet.sourceId}/points`;
    const subscriber = await connectDevice(mqttUrl(a.mqttPort!), fleet.readKey);
    const device = await connectDevice(mqttUrl(b.mqttPort!), fleet.writeKey);
    clients.push(subscriber, device);
    const received = collectMessages(subscriber, topic) as { values: { temperature: number } }[];
    expect(await grantedQos(subscriber, [topic])).toEqual([1]);

    await device.publishAsync(topic, JSON.stringify({ values: { temperature: 42 } }), { qos: 1 });
    await eventually(
      async () => received.length,
      (count) => count >= 1,
      'the point on the other instance',
    );
    // The other instance's feed polls the live-event log: give a duplicate time to show up.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(received.map((point) => point.values.temperature)).toEqual([42]);
  });
});
