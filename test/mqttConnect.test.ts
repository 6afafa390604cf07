import { Types } from 'mongoose';
import type mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { DataPointModel } from '../src/modules/points/model';
import { eventually } from './support/alertKit';
import { connectDevice, mqttUrl, publishOutcome } from './support/mqttClient';
import { parsePrometheusText, sumOf } from './support/prometheusText';
import { createBucketKey, createDataSource, createTenant, type Tenant } from './support/tenants';
import { useTestApp } from './support/testApp';

/** CONNECT and the life of a connection (api.md §14): keys, the per-key cap, revocation, the rate limit. */

const app = useTestApp({ MQTT_PORT: '0', MQTT_MAX_CONNECTIONS_PER_KEY: '2', MQTT_KEY_CHECK_MS: '200' });
const limitedApp = useTestApp({ MQTT_PORT: '0', RATE_LIMIT_PER_KEY: '6' });
const pointsTopic = (sourceId: string) => `dakkio/sources/${sourceId}/points`;
const point = (temperature: number) => JSON.stringify({ values: { temperature } });
const stored = (sourceId: string) => DataPointModel.countDocuments({ dataSourceId: new Types.ObjectId(sourceId) });

/** The CONNACK code a connection attempt was refused with, or 0 when it was accepted. */
async function connackCode(key: string, options: mqtt.IClientOptions = {}): Promise<number> {
  try {
    const client = await connectDevice(mqttUrl(app().mqtt!.port), key, options);
    await client.endAsync(true);
    return 0;
  } catch (error) {
    return (error as { code?: number }).code ?? -1;
  }
}

describe('MQTT CONNECT', () => {
  let tenant: Tenant;
  const clients: MqttClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
  });
  beforeAll(async () => {
    tenant = await createTenant(app());
  });

  it('answers CONNACK 4 to an unknown, malformed, missing or expired key, and 0 to a valid one', async () => {
    const expiring = await createBucketKey(app(), tenant.adminKey, tenant.bucketId, 'write', {
      expiresAt: new Date(Date.now() + 1500).toISOString(),
    });
    expect(await connackCode(tenant.writeKey)).toBe(0);
    expect(await connackCode(expiring.key)).toBe(0);
    expect(await connackCode(`dakkio_w_${'A'.repeat(40)}`)).toBe(4);
    expect(await connackCode('not-a-key')).toBe(4);
    expect(await connackCode('', { username: undefined })).toBe(4);
    expect(await connackCode('device', { password: `dakkio_r_${'B'.repeat(40)}` })).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect(await connackCode(expiring.key)).toBe(4);
  });

  it('refuses MQTT 5 (aedes 1.x speaks 3.1 and 3.1.1) and accepts MQTT 3.1', async () => {
    expect(await connackCode(tenant.writeKey, { protocolVersion: 5 })).toBe(1);
    expect(await connackCode(tenant.writeKey, { protocolVersion: 3, protocolId: 'MQIsdp' })).toBe(0);
  });

  it('holds at most MQTT_MAX_CONNECTIONS_PER_KEY connections per key, refusing more with CONNACK 3 until one closes', async () => {
    const key = (await createBucketKey(app(), tenant.adminKey, tenant.bucketId, 'read')).key;
    const first = await connectDevice(mqttUrl(app().mqtt!.port), key);
    const second = await connectDevice(mqttUrl(app().mqtt!.port), key);
    clients.push(first, second);
    expect(await connackCode(key)).toBe(3);
    // Another key is not affected.
    expect(await connackCode(tenant.readKey)).toBe(0);
    await first.endAsync(true);
    await eventually(
      () => connackCode(key),
      (code) => code === 0,
      'a free slot after a close',
    );
  });

  it('disconnects a key deleted while connected within MQTT_KEY_CHECK_MS', async () => {
    const doomed = await createBucketKey(app(), tenant.adminKey, tenant.bucketId, 'write');
    const client = await connectDevice(mqttUrl(app().mqtt!.port), doomed.key);
    clients.push(client);
    const closed = new Promise<number>((resolve) => client.once('close', () => resolve(Date.now())));
    const deletedAt = Date.now();
    await app().http.delete(`/api/buckets/${tenant.bucketId}/keys/${doomed.id}`).set('X-API-Key', tenant.adminKey).expect(200);
    expect((await closed) - deletedAt).toBeLessThan(2000);
    expect(await connackCode(doomed.key)).toBe(4);
  });

  it('reports connections and messages by outcome in /metrics, and points under transport "mqtt"', async () => {
    const sourceId = await createDataSource(app(), tenant.adminKey, tenant.bucketId);
    const scrape = async () => parsePrometheusText((await app().http.get('/metrics').expect(200)).text);
    const before = await scrape();
    const client = await connectDevice(mqttUrl(app().mqtt!.port), tenant.adminKey);
    clients.push(client);
    expect(await publishOutcome(client, pointsTopic(sourceId), point(1))).toBe('acknowledged');
    expect(await publishOutcome(client, pointsTopic(sourceId), '{')).toBe('acknowledged');
    const during = await scrape();
    expect(sumOf(during, 'dakkio_mqtt_connections') - sumOf(before, 'dakkio_mqtt_connections')).toBe(1);
    const messages = (family: Map<string, unknown>, result: string) => sumOf(family as never, 'dakkio_mqtt_messages_total', { result });
    expect(messages(during, 'stored') - messages(before, 'stored')).toBe(1);
    expect(messages(during, 'invalid') - messages(before, 'invalid')).toBe(1);
    await eventually(
      async () => sumOf(await scrape(), 'dakkio_points_ingested_total', { transport: 'mqtt', result: 'stored' }),
      (count) => count - sumOf(before, 'dakkio_points_ingested_total', { transport: 'mqtt', result: 'stored' }) === 1,
      'one stored mqtt point counted',
    );
    await client.endAsync(true);
    await eventually(
      async () => sumOf(await scrape(), 'dakkio_mqtt_connections'),
      (count) => count === sumOf(before, 'dakkio_mqtt_connections'),
      'the connection gauge back down',
    );
  });
});

describe('MQTT PUBLISH under the key rate limit', () => {
  it('counts publishes against the key’s rate limit in the same store as its HTTP requests', async () => {
    const tenant = await createTenant(limitedApp());
    const sourceId = await createDataSource(limitedApp(), tenant.adminKey, tenant.bucketId);
    const limited = { key: tenant.writeKey };
    const client = await connectDevice(mqttUrl(limitedApp().mqtt!.port), limited.key);
    for (let i = 0; i < 4; i += 1) expect(await publishOutcome(client, pointsTopic(sourceId), point(i))).toBe('acknowledged');
    // Two HTTP requests use up the limit of 6 ...
    for (let i = 0; i < 2; i += 1)
      await limitedApp().http.get(`/api/buckets/${tenant.bucketId}/sources`).set('X-API-Key', limited.key).expect(200);
    // ... so the next publish closes the connection unacknowledged and stores nothing.
    expect(await publishOutcome(client, pointsTopic(sourceId), point(99))).toBe('closed');
    expect(await stored(sourceId)).toBe(4);
    await client.endAsync(true);
    await limitedApp().http.get(`/api/buckets/${tenant.bucketId}/sources`).set('X-API-Key', limited.key).expect(429);
  });
});
