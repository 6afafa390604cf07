import { Types } from 'mongoose';
import mqtt, { type IConnackPacket, type MqttClient } from 'mqtt';
import { eventually } from './support/alertKit';
import { collectMessages, connectDevice, grantedQos, mqttUrl, publishOutcome } from './support/mqttClient';
import { createBucket, createDataSource, createTenant, type Tenant } from './support/tenants';
import { useTestApp } from './support/testApp';

/** SUBSCRIBE (api.md §14): a source's live points, the same feed as the SSE stream; every other topic refused. */

const app = useTestApp({ MQTT_PORT: '0' });
const pointsTopic = (sourceId: string) => `dakkio/sources/${sourceId}/points`;

interface LivePointMessage {
  _id: string;
  bucketId: string;
  dataSourceId: string;
  timestamp: string;
  values: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

describe('MQTT SUBSCRIBE dakkio/sources/:id/points', () => {
  let tenant: Tenant;
  let sourceId: string;
  const clients: MqttClient[] = [];
  const connect = async (key: string) => {
    const client = await connectDevice(mqttUrl(app().mqtt!.port), key);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    tenant = await createTenant(app());
    sourceId = await createDataSource(app(), tenant.adminKey, tenant.bucketId);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.endAsync(true)));
  });

  it('delivers points stored over HTTP and over MQTT, once each, as the stream shows them, and nothing invalid', async () => {
    const subscriber = await connect(tenant.readKey);
    const received = collectMessages(subscriber, pointsTopic(sourceId)) as LivePointMessage[];
    // aedes 1.x grants the QoS asked for (1); the points come at QoS 0, a live feed.
    expect(await grantedQos(subscriber, [pointsTopic(sourceId)])).toEqual([1]);

    const overHttp = await app()
      .http.post('/api/data')
      .set('X-API-Key', tenant.writeKey)
      .send({ bucketId: tenant.bucketId, dataSourceId: sourceId, values: { temperature: 20.5 }, metadata: { via: 'http' } })
      .expect(201);
    const device = await connect(tenant.writeKey);
    const timestamp = '2026-11-22T08:00:00.000Z';
    expect(await publishOutcome(device, pointsTopic(sourceId), JSON.stringify({ timestamp, values: { temperature: 7 } }))).toBe(
      'acknowledged',
    );
    // Acknowledged and dropped: an invalid payload never reaches subscribers, raw or otherwise.
    expect(await publishOutcome(device, pointsTopic(sourceId), JSON.stringify({ values: { temperature: 'x' } }))).toBe('acknowledged');

    await eventually(
      async () => received.length,
      (count) => count >= 2,
      'two live points',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received).toHaveLength(2);
    expect(received[0]).toEqual({
      _id: overHttp.body.dataPoint._id,
      bucketId: tenant.bucketId,
      dataSourceId: sourceId,
      timestamp: overHttp.body.dataPoint.timestamp,
      values: { temperature: 20.5 },
      metadata: { via: 'http' },
    });
    expect(received[1]).toMatchObject({ bucketId: tenant.bucketId, dataSourceId: sourceId, timestamp, values: { temperature: 7 } });
    expect(Types.ObjectId.isValid(received[1]!._id)).toBe(true);
  });

  it('stops delivering after UNSUBSCRIBE', async () => {
    const subscriber = await connect(tenant.readKey);
    const received = collectMessages(subscriber, pointsTopic(sourceId));
    await grantedQos(subscriber, [pointsTopic(sourceId)]);
    const post = (temperature: number) =>
      app()
        .http.post('/api/data')
        .set('X-API-Key', tenant.writeKey)
        .send({ bucketId: tenant.bucketId, dataSourceId: sourceId, values: { temperature } })
        .expect(201);
    await post(1);
    await eventually(
      async () => received.length,
      (count) => count === 1,
      'the first point',
    );
    await subscriber.unsubscribeAsync(pointsTopic(sourceId));
    await post(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toHaveLength(1);
  });

  it('refuses (SUBACK 128) other buckets’ and organizations’ sources, wildcards, $SYS and any other topic, keeping the connection', async () => {
    const otherBucketSource = await createDataSource(app(), tenant.adminKey, await createBucket(app(), tenant.adminKey));
    const other = await createTenant(app());
    const otherOrganizationSource = await createDataSource(app(), other.adminKey, other.bucketId);
    const subscriber = await connect(tenant.readKey);
    const refused = [
      pointsTopic(otherBucketSource),
      pointsTopic(otherOrganizationSource),
      pointsTopic(new Types.ObjectId().toHexString()),
      'dakkio/sources/+/points',
      'dakkio/#',
      '#',
      '$SYS/#',
      'anything',
    ];
    expect(await grantedQos(subscriber, [pointsTopic(sourceId), ...refused])).toEqual([1, ...refused.map(() => 128)]);
    expect(subscriber.connected).toBe(true);
    // The admin key of the organization reaches every bucket of it.
    const admin = await connect(tenant.adminKey);
    expect(await grantedQos(admin, [pointsTopic(otherBucketSource), pointsTopic(otherOrganizationSource)])).toEqual([1, 128]);
  });

  it('keeps no session: a client asking to resume one starts clean and gets the points after subscribing again', async () => {
    const options = { clientId: `dashboard-${Date.now()}`, clean: false };
    const first = await connectDevice(mqttUrl(app().mqtt!.port), tenant.readKey, options);
    await grantedQos(first, [pointsTopic(sourceId)]);
    await first.endAsync();
    const again = mqtt.connect(mqttUrl(app().mqtt!.port), { username: tenant.readKey, protocolVersion: 4, reconnectPeriod: 0, ...options });
    clients.push(again);
    const connack = await new Promise<IConnackPacket>((resolve, reject) => {
      again.once('connect', resolve);
      again.once('error', reject);
    });
    expect(connack.sessionPresent).toBe(false);
    const received = collectMessages(again, pointsTopic(sourceId));
    await grantedQos(again, [pointsTopic(sourceId)]);
    await app()
      .http.post('/api/data')
      .set('X-API-Key', tenant.writeKey)
      .send({ bucketId: tenant.bucketId, dataSourceId: sourceId, values: { temperature: 3 } })
      .expect(201);
    await eventually(
      async () => received.length,
      (count) => count === 1,
      'the point after subscribing again',
    );
  });

  it('leaves no live subscription behind for a client that leaves while its first subscription is being set up', async () => {
    const bucketId = await createBucket(app(), tenant.adminKey);
    const source = await createDataSource(app(), tenant.adminKey, bucketId);
    const before = app().deps.liveStream.hub.size();
    const leaving = await connectDevice(mqttUrl(app().mqtt!.port), tenant.adminKey);
    // A new bucket's first subscription waits for every instance to feed it: the client leaves during that wait.
    leaving.subscribe(pointsTopic(source), { qos: 0 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await leaving.endAsync(true);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(app().deps.liveStream.hub.size()).toBe(before);
  });
});
