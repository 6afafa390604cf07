import mongoose, { Types } from 'mongoose';
import type { MqttClient } from 'mqtt';
import { connect as connectTcp } from 'node:net';
import { connectDevice, mqttUrl } from './support/mqttClient';
import {
  callServer,
  createFleet,
  freshDatabaseUri,
  type RunningServer,
  startServerBehindProxy,
  startServerProcess,
} from './support/serverProcess';
import type { TcpProxy } from './support/tcpProxy';

/**
 * What a PUBACK promises (api.md §14): the points were acknowledged by the database. With
 * the database cut, a QoS 1 publish is not acknowledged and the connection closes; the
 * device's resend after it returns is stored. A graceful stop acknowledges what it stored.
 */

const adminKey = `dakkio_a_${'Q'.repeat(40)}`;

async function storedTemperatures(uri: string, sourceId: string): Promise<number[]> {
  const connection = await mongoose.createConnection(uri).asPromise();
  try {
    const points = await connection
      .collection('datapoints')
      .find({ dataSourceId: new Types.ObjectId(sourceId) })
      .toArray();
    return points.map((point) => point.values.temperature as number).sort((a, b) => a - b);
  } finally {
    await connection.close();
  }
}

const payload = (temperature: number) => JSON.stringify({ values: { temperature } });

describe('MQTT QoS 1 while the database is down', () => {
  let proxy: TcpProxy;
  let server: RunningServer;
  let directUri: string;
  let client: MqttClient | undefined;

  beforeAll(async () => {
    ({ server, proxy, directUri } = await startServerBehindProxy('mqtt_outage', {
      DAKKIO_BOOTSTRAP_ADMIN_KEY: adminKey,
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: '1500',
      MQTT_PORT: '0',
      MQTT_HOST: '127.0.0.1',
    }));
  });
  afterAll(async () => {
    await client?.endAsync(true);
    await server?.stop();
    await proxy?.close();
  });

  it('sends no PUBACK and closes the connection; the client’s resend after the database returns is stored once', async () => {
    const fleet = await createFleet(server, adminKey);
    const topic = `dakkio/sources/${fleet.sourceId}/points`;
    client = await connectDevice(mqttUrl(server.mqttPort!), fleet.writeKey, { reconnectPeriod: 300 });
    await client.publishAsync(topic, payload(0), { qos: 1 });
    expect(await storedTemperatures(directUri, fleet.sourceId)).toEqual([0]);

    await proxy.cut();
    let acknowledged = false;
    const closed = new Promise<void>((resolve) => client!.once('close', () => resolve()));
    const publish = client.publishAsync(topic, payload(1), { qos: 1 }).then(() => {
      acknowledged = true;
    });
    await closed;
    expect(acknowledged).toBe(false);
    // MQTT.js keeps the unacknowledged message and sends it again once it is connected again.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(acknowledged).toBe(false);
    await proxy.restore();
    await publish;
    expect(acknowledged).toBe(true);
    expect(await storedTemperatures(directUri, fleet.sourceId)).toEqual([0, 1]);
  }, 40_000);
});

describe('MQTT on a graceful stop (SIGTERM)', () => {
  it('acknowledges every publish it stored before closing, and never acknowledges one it did not store', async () => {
    const directUri = freshDatabaseUri('mqtt_stop');
    const server = await startServerProcess({
      MONGODB_URI: directUri,
      DAKKIO_BOOTSTRAP_ADMIN_KEY: adminKey,
      MQTT_PORT: '0',
      MQTT_HOST: '127.0.0.1',
      // Holds each write half a second in the group commit, so the stop finds publishes in flight.
      GROUP_COMMIT_WINDOW_MS: '500',
    });
    const fleet = await createFleet(server, adminKey);
    const topic = `dakkio/sources/${fleet.sourceId}/points`;
    const clients = await Promise.all([0, 1, 2, 3].map(() => connectDevice(mqttUrl(server.mqttPort!), fleet.writeKey)));
    const acknowledged: number[] = [];
    const publishes = clients.flatMap((client, c) =>
      Array.from({ length: 50 }, (_, i) => {
        const temperature = c * 1000 + i;
        return client.publishAsync(topic, payload(temperature), { qos: 1 }).then(
          () => {
            acknowledged.push(temperature);
          },
          () => undefined,
        );
      }),
    );
    // Received and waiting in the commit window, none acknowledged yet.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(acknowledged).toHaveLength(0);
    const exitCode = await server.stop();
    // Whatever was not acknowledged by now never will be: the server is gone.
    await Promise.all(clients.map((client) => client.endAsync(true)));
    await Promise.race([Promise.all(publishes), new Promise((resolve) => setTimeout(resolve, 1000))]);

    expect(exitCode).toBe(0);
    const stored = await storedTemperatures(directUri, fleet.sourceId);
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(stored).toEqual(expect.arrayContaining(acknowledged));
    // Stored but unacknowledged would be a duplicate after the device's resend: the drain makes it none.
    expect(stored.length).toBe(acknowledged.length);
    const check = await callServer(server, 'GET', '/health').catch(() => null);
    expect(check).toBeNull();
  }, 40_000);
});

describe('MQTT on a graceful stop with a connection that never sent CONNECT', () => {
  it('ends that connection instead of waiting for the connect timeout, and exits 0', async () => {
    const server = await startServerProcess({
      MONGODB_URI: freshDatabaseUri('mqtt_idle_stop'),
      DAKKIO_BOOTSTRAP_ADMIN_KEY: adminKey,
      MQTT_PORT: '0',
      MQTT_HOST: '127.0.0.1',
      // Past this the stop gives up and exits 1; aedes alone would hold the socket for 30 s.
      SHUTDOWN_TIMEOUT_MS: '3000',
    });
    const idle = connectTcp(server.mqttPort!, '127.0.0.1');
    await new Promise((resolve) => idle.once('connect', resolve));
    const closedByServer = new Promise<void>((resolve) => idle.once('close', () => resolve()));
    expect(await server.stop()).toBe(0);
    await closedByServer;
  });
});
