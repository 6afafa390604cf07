import { Types } from 'mongoose';
import type { MqttClient } from 'mqtt';
import { DataPointModel } from '../src/modules/points/model';
import { eventually } from './support/alertKit';
import { collectMessages, connectDevice, mqttUrl, publishOutcome } from './support/mqttClient';
import { createBucket, createDataSource, createTenant, type Tenant } from './support/tenants';
import { useTestApp } from './support/testApp';

/**
 * Publishing over MQTT (api.md §14) with MQTT.js, the client most Node devices and gateways
 * use: PUBACK only after the points are stored, checked as POST /api/data checks them.
 */

const app = useTestApp({ MQTT_PORT: '0', BODY_LIMIT_BYTES: '4096' });
/** Holds writes in the commit window, so publishes pile up in flight. */
const slowApp = useTestApp({ MQTT_PORT: '0', GROUP_COMMIT_WINDOW_MS: '300' });
const storedOf = (sourceId: string) =>
  DataPointModel.find({ dataSourceId: new Types.ObjectId(sourceId) })
    .sort({ timestamp: 1 })
    .lean();
const pointsTopic = (sourceId: string) => `dakkio/sources/${sourceId}/points`;

describe('MQTT PUBLISH dakkio/sources/:id/points', () => {
  let tenant: Tenant;
  let sourceId: string;
  const clients: MqttClient[] = [];
  const device = async (key: string) => {
    const client = await connectDevice(mqttUrl(app().mqtt!.port), key);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    tenant = await createTenant(app());
    sourceId = await createDataSource(app(), tenant.adminKey, tenant.bucketId, { temperature: 'number', label: 'string' });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.endAsync(true)));
  });

  it('stores a QoS 1 point before the PUBACK, with its timestamp, values and metadata', async () => {
    const client = await device(tenant.writeKey);
    const timestamp = '2026-11-20T10:00:00.000Z';
    const payload = JSON.stringify({ timestamp, values: { temperature: 21.5, label: 'hall' }, metadata: { room: 'hall', floor: 2 } });
    expect(await publishOutcome(client, pointsTopic(sourceId), payload)).toBe('acknowledged');
    // No wait: acknowledged means stored.
    const stored = await storedOf(sourceId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      bucketId: new Types.ObjectId(tenant.bucketId),
      timestamp: new Date(timestamp),
      values: { temperature: 21.5, label: 'hall' },
      metadata: { room: 'hall', floor: 2 },
    });
  });

  it('stores a QoS 0 point, an array of points and a QoS 2 point, with the time of arrival when no timestamp is given', async () => {
    const source = await createDataSource(app(), tenant.adminKey, tenant.bucketId);
    const client = await device(tenant.writeKey);
    const before = Date.now();
    await client.publishAsync(pointsTopic(source), JSON.stringify({ values: { temperature: 1 } }), { qos: 0 });
    const batch = [1, 2, 3].map((i) => ({ timestamp: new Date(Date.UTC(2026, 10, 1, i)).toISOString(), values: { temperature: 10 + i } }));
    expect(await publishOutcome(client, pointsTopic(source), JSON.stringify(batch))).toBe('acknowledged');
    const stored = await eventually(
      () => storedOf(source),
      (points) => points.length === 4,
      'four points',
    );
    expect(stored.map((point) => point.values.temperature)).toEqual([11, 12, 13, 1]);
    // QoS 2 is written before the PUBREC, as QoS 1 before the PUBACK.
    await client.publishAsync(pointsTopic(source), JSON.stringify({ values: { temperature: 2 } }), { qos: 2 });
    expect(await storedOf(source)).toHaveLength(5);
    expect(stored[3]!.timestamp.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  it('accepts the key as the password under any username, and an admin key of the organization', async () => {
    const client = await connectDevice(mqttUrl(app().mqtt!.port), '', { username: 'device-17', password: tenant.writeKey });
    clients.push(client);
    expect(await publishOutcome(client, pointsTopic(sourceId), JSON.stringify({ values: { temperature: 2 } }))).toBe('acknowledged');
    const admin = await device(tenant.adminKey);
    expect(await publishOutcome(admin, pointsTopic(sourceId), JSON.stringify({ values: { temperature: 3 } }))).toBe('acknowledged');
    const temperatures = (await storedOf(sourceId)).map((point) => point.values.temperature);
    expect(temperatures).toEqual(expect.arrayContaining([2, 3]));
  });

  it('acknowledges and drops an invalid payload, publishing the reason on the errors topic in the documented error shape', async () => {
    const source = await createDataSource(app(), tenant.adminKey, tenant.bucketId);
    const listener = await device(tenant.readKey);
    const reasons = collectMessages(listener, `dakkio/sources/${source}/errors`);
    await listener.subscribeAsync(`dakkio/sources/${source}/errors`, { qos: 1 });
    const client = await device(tenant.writeKey);
    const bad = [
      'not json',
      JSON.stringify({ values: { temperature: 'warm' } }),
      JSON.stringify({ values: { temperature: 1 }, extra: true }),
      JSON.stringify([]),
      JSON.stringify({ values: { temperature: 1 }, timestamp: '2999-01-01T00:00:00Z' }),
    ];
    for (const payload of bad) expect(await publishOutcome(client, pointsTopic(source), payload)).toBe('acknowledged');
    await eventually(
      async () => reasons.length,
      (count) => count === bad.length,
      'five reasons',
    );
    expect(reasons[0]).toEqual({ error: 'Validation Error', message: 'Malformed JSON in request body' });
    expect(reasons[1]).toMatchObject({ error: 'Validation Error', details: [{ path: ['payload', 'values', 'temperature'] }] });
    expect(reasons[2]).toMatchObject({ details: [{ path: ['payload', 'extra'], message: 'Unknown field "extra"' }] });
    expect(reasons[3]).toMatchObject({ details: [{ path: ['payload'], message: 'Give at least one point' }] });
    expect(reasons[4]).toMatchObject({ details: [{ path: ['payload', 'timestamp'] }] });
    expect(await storedOf(source)).toHaveLength(0);
    // The connection stays usable after the dropped payloads.
    expect(await publishOutcome(client, pointsTopic(source), JSON.stringify({ values: { temperature: 5 } }))).toBe('acknowledged');
    expect(await storedOf(source)).toHaveLength(1);
  });

  it('refuses a source of another bucket, a read key and any other topic by closing the connection, storing nothing', async () => {
    const otherBucket = await createBucket(app(), tenant.adminKey);
    const foreign = await createDataSource(app(), tenant.adminKey, otherBucket);
    const otherTenant = await createTenant(app());
    const otherOrganization = await createDataSource(app(), otherTenant.adminKey, otherTenant.bucketId);
    const attempts: [string, string][] = [
      [tenant.writeKey, pointsTopic(foreign)],
      [tenant.adminKey, pointsTopic(otherOrganization)],
      [tenant.writeKey, pointsTopic(new Types.ObjectId().toHexString())],
      [tenant.readKey, pointsTopic(sourceId)],
      [tenant.writeKey, `dakkio/sources/${sourceId}/errors`],
      [tenant.writeKey, 'anything/else'],
    ];
    const before = (await storedOf(sourceId)).length;
    for (const [key, topic] of attempts) {
      const client = await device(key);
      expect(await publishOutcome(client, topic, JSON.stringify({ values: { temperature: 9 } }))).toBe('closed');
    }
    expect(await storedOf(foreign)).toHaveLength(0);
    expect(await storedOf(otherOrganization)).toHaveLength(0);
    expect(await storedOf(sourceId)).toHaveLength(before);
  });

  it('drops hostile payloads as invalid, and closes a connection whose packet declares more than the limit', async () => {
    const source = await createDataSource(app(), tenant.adminKey, tenant.bucketId);
    const listener = await device(tenant.readKey);
    const reasons = collectMessages(listener, `dakkio/sources/${source}/errors`);
    await listener.subscribeAsync(`dakkio/sources/${source}/errors`, { qos: 1 });
    const client = await device(tenant.writeKey);
    const hostile = [
      '{"values":{"__proto__":{"polluted":1},"temperature":1}}',
      '{"values":{"temperature":1},"metadata":{"constructor":"x"}}',
      String.fromCharCode(0, 255, 254, 7),
      JSON.stringify(Array.from({ length: 1001 }, () => ({ values: { temperature: 1 } }))).slice(0, 4000),
      JSON.stringify({ values: { temperature: 1 }, metadata: { note: 'x'.repeat(4100) } }),
      'null',
      '[[1]]',
    ];
    for (const payload of hostile) expect(await publishOutcome(client, pointsTopic(source), payload)).toBe('acknowledged');
    await eventually(
      async () => reasons.length,
      (count) => count === hostile.length,
      'a reason for each',
    );
    expect(reasons.map((reason) => (reason as { error: string }).error)).toEqual([
      'Validation Error',
      'Validation Error',
      'Validation Error',
      'Validation Error',
      'Payload Too Large',
      'Validation Error',
      'Validation Error',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Past BODY_LIMIT_BYTES and the room for a header, the packet is refused before it is read whole.
    const closed = await publishOutcome(client, pointsTopic(source), JSON.stringify({ values: { temperature: 1 }, pad: 'x'.repeat(8000) }));
    expect(closed).toBe('closed');
    expect(await storedOf(source)).toHaveLength(0);
  });
});

describe('MQTT PUBLISH pipelined without waiting for PUBACKs', () => {
  it('holds at most 100 publishes of one connection in flight, closing it past that; every acknowledged point is stored', async () => {
    const tenant = await createTenant(slowApp());
    const source = await createDataSource(slowApp(), tenant.adminKey, tenant.bucketId);
    const client = await connectDevice(mqttUrl(slowApp().mqtt!.port), tenant.writeKey);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    let acknowledged = 0;
    for (let i = 0; i < 150; i += 1) {
      client.publishAsync(pointsTopic(source), JSON.stringify({ values: { temperature: i } }), { qos: 1 }).then(
        () => (acknowledged += 1),
        () => undefined,
      );
    }
    await closed;
    await new Promise((resolve) => setTimeout(resolve, 500));
    await client.endAsync(true);
    const stored = await storedOf(source);
    expect(stored.length).toBeLessThanOrEqual(100);
    expect(stored.length).toBeGreaterThanOrEqual(acknowledged);
  });
});
