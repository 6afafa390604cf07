import http from 'node:http';
import { LiveEventModel } from '../src/modules/stream/liveEventLog';
import { pause } from './support/alertKit';
import { expectError, expectErrorBody } from './support/assertions';
import { portOf } from './support/http';
import { openStream, type StreamClient } from './support/streamClient';
import { createDataSource, createTenant, objectId, type Tenant } from './support/tenants';
import { useTestApp } from './support/testApp';

const app = useTestApp({ STREAM_KEY_CHECK_MS: '100', STREAM_HEARTBEAT_MS: '200' });
const baseUrl = () => `http://127.0.0.1:${portOf(app())}`;
const streamPath = (bucketId: string, query = '') => `/api/buckets/${bucketId}/stream${query}`;

const clients: StreamClient[] = [];
const subscribe = async (bucketId: string, key: string, query = '', headers: Record<string, string> = {}) => {
  const client = openStream(baseUrl(), streamPath(bucketId, query), key, headers);
  clients.push(client);
  await client.opened;
  return client;
};
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

async function tenantWithSources(count = 2): Promise<Tenant & { sourceIds: string[] }> {
  const tenant = await createTenant(app());
  const sourceIds: string[] = [];
  for (let i = 0; i < count; i++)
    sourceIds.push(await createDataSource(app(), tenant.adminKey, tenant.bucketId, { temperature: 'number' }));
  return { ...tenant, sourceIds };
}

const postPoint = async (tenant: Tenant, dataSourceId: string, temperature: number) =>
  (
    await app()
      .http.post('/api/data')
      .set('X-API-Key', tenant.writeKey)
      .send({ bucketId: tenant.bucketId, dataSourceId, values: { temperature } })
      .expect(201)
  ).body;

const postBatch = (tenant: Tenant, points: { dataSourceId: string; temperature: number }[]) =>
  app()
    .http.post('/api/data/batch')
    .set('X-API-Key', tenant.writeKey)
    .send({
      bucketId: tenant.bucketId,
      dataPoints: points.map(({ dataSourceId, temperature }) => ({ dataSourceId, values: { temperature } })),
    })
    .expect(201);

/** The stored points of sources as POST /api/data/query answers them, oldest first. */
async function queried(tenant: Tenant, dataSourceIds: string[]) {
  const res = await app()
    .http.post('/api/data/query')
    .set('X-API-Key', tenant.readKey)
    .send({ bucketId: tenant.bucketId, dataSourceIds, filters: { startTime: new Date(Date.now() - 3_600_000).toISOString() } })
    .expect(200);
  return res.body.data as { values: { temperature: number } }[];
}

describe('GET /api/buckets/:bucketId/stream', () => {
  it('sends exactly the points committed after it connected, in order, for the sources asked', async () => {
    const tenant = await tenantWithSources(2);
    const [wanted, other] = tenant.sourceIds as [string, string];
    await postPoint(tenant, wanted, -1);
    const client = await subscribe(tenant.bucketId, tenant.readKey, `?dataSourceIds=${wanted}`);

    await postPoint(tenant, wanted, 1);
    await postPoint(tenant, other, 100);
    await postBatch(tenant, [
      { dataSourceId: wanted, temperature: 2 },
      { dataSourceId: other, temperature: 101 },
      { dataSourceId: wanted, temperature: 3 },
    ]);
    await postPoint(tenant, wanted, 4);

    const received = await client.waitForPoints(4);
    await pause(300);
    expect(client.points().map((point) => point.values.temperature)).toEqual([1, 2, 3, 4]);
    const stored = (await queried(tenant, [wanted])).filter((point: any) => point.values.temperature > 0);
    expect(received).toEqual(stored.map((point) => ({ ...point, bucketId: tenant.bucketId })));
    expect(client.events.map((event) => event.id)).toEqual(
      received.map((point) => expect.stringMatching(new RegExp(`^\\d+-${point._id}$`))),
    );
  });

  it('sends every source of the bucket when none is named, to admin, write and read keys alike', async () => {
    const tenant = await tenantWithSources(2);
    const streams = await Promise.all([tenant.adminKey, tenant.writeKey, tenant.readKey].map((key) => subscribe(tenant.bucketId, key)));
    await postPoint(tenant, tenant.sourceIds[0]!, 1);
    await postPoint(tenant, tenant.sourceIds[1]!, 2);
    for (const stream of streams) {
      const points = await stream.waitForPoints(2);
      expect(points.map((point) => [point.dataSourceId, point.values.temperature])).toEqual([
        [tenant.sourceIds[0], 1],
        [tenant.sourceIds[1], 2],
      ]);
    }
  });

  it('answers with SSE headers that keep proxies from buffering or compressing, a retry hint and heartbeats', async () => {
    const tenant = await tenantWithSources(1);
    const { headers, body } = await new Promise<{ headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = http.get(
        `${baseUrl()}${streamPath(tenant.bucketId)}`,
        { headers: { 'X-API-Key': tenant.readKey, 'Accept-Encoding': 'gzip, deflate, br' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
            if (text.includes(': ping\n\n')) {
              req.destroy();
              resolve({ headers: res.headers, body: text });
            }
          });
        },
      );
      req.on('error', reject);
    });
    expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(headers['cache-control']).toBe('no-cache, no-transform');
    expect(headers['x-accel-buffering']).toBe('no');
    expect(headers['content-encoding']).toBeUndefined();
    expect(body.startsWith('retry: 3000\n\n')).toBe(true);
  });

  it('refuses a key in the query string with 400, even next to a valid header, so keys stay out of URLs', async () => {
    const tenant = await tenantWithSources(1);
    for (const query of [
      `?apiKey=${tenant.readKey}`,
      `?api_key=${tenant.readKey}`,
      `?key=x`,
      `?token=${tenant.readKey}`,
      `?x=${tenant.readKey}`,
    ]) {
      const anonymous = await app().http.get(streamPath(tenant.bucketId, query)).expect(400);
      expectErrorBody(
        anonymous,
        400,
        'Validation Error',
        'API keys are accepted only in the X-API-Key or Authorization header, never in the URL',
      );
      expect(anonymous.body.details).toEqual([
        { path: ['query', query.slice(1, query.indexOf('='))], message: 'Send the key in the X-API-Key header' },
      ]);
      await app().http.get(streamPath(tenant.bucketId, query)).set('X-API-Key', tenant.readKey).expect(400);
    }
  });

  it('answers 404 for a source of another bucket, 400 for a malformed id, 404 for another tenant’s bucket, 401 without a key', async () => {
    const tenant = await tenantWithSources(1);
    const stranger = await tenantWithSources(1);
    const get = (path: string, key: string) => app().http.get(path).set('X-API-Key', key);
    expectError(
      await get(streamPath(tenant.bucketId, `?dataSourceIds=${stranger.sourceIds[0]}`), tenant.readKey),
      404,
      'Not Found',
      'Data source not found',
    );
    expectError(
      await get(streamPath(tenant.bucketId, `?dataSourceIds=${objectId()}`), tenant.readKey),
      404,
      'Not Found',
      'Data source not found',
    );
    expect((await get(streamPath(tenant.bucketId, '?dataSourceIds=nope'), tenant.readKey)).status).toBe(400);
    expect((await get(streamPath(stranger.bucketId), tenant.adminKey)).status).toBe(404);
    expect((await app().http.get(streamPath(tenant.bucketId))).status).toBe(401);
  });

  it('ends a stream within the key check interval once its key is deleted, and the reconnect gets 401', async () => {
    const tenant = await tenantWithSources(1);
    const client = await subscribe(tenant.bucketId, tenant.readKey);
    await app().http.delete(`/api/buckets/${tenant.bucketId}/keys/${tenant.readKeyId}`).set('X-API-Key', tenant.adminKey).expect(200);
    const ended = Date.now();
    await eventuallyTrue(() => client.drops() >= 1, 2000);
    expect(Date.now() - ended).toBeLessThan(2000);
    await eventuallyTrue(() => client.statuses.includes(401), 6000);
    await eventuallyTrue(() => app().deps.liveStream.slots.open() === 0, 2000);
  });

  it('ends the streams of a deleted bucket, whose copies of recent points go with it', async () => {
    const tenant = await tenantWithSources(1);
    const client = await subscribe(tenant.bucketId, tenant.adminKey);
    await postPoint(tenant, tenant.sourceIds[0]!, 1);
    await client.waitForPoints(1);
    await app().deps.liveStream.flushLog();
    expect(await LiveEventModel.countDocuments({ bucketId: tenant.bucketId })).toBe(1);

    await app().http.delete(`/api/buckets/${tenant.bucketId}`).set('X-API-Key', tenant.adminKey).expect(200);
    await eventuallyTrue(() => client.drops() >= 1, 2000);
    expect(await LiveEventModel.countDocuments({ bucketId: tenant.bucketId })).toBe(0);
  });

  it('ends a stream when its key expires', async () => {
    const tenant = await tenantWithSources(1);
    const expiring = await app()
      .http.post(`/api/buckets/${tenant.bucketId}/keys`)
      .set('X-API-Key', tenant.adminKey)
      .send({ name: 'short-lived', type: 'read', expiresAt: new Date(Date.now() + 1500).toISOString() })
      .expect(201);
    const client = await subscribe(tenant.bucketId, expiring.body.apiKey.key);
    await pause(500);
    expect(client.drops()).toBe(0);
    await eventuallyTrue(() => client.drops() >= 1, 3000);
    await eventuallyTrue(() => app().deps.liveStream.slots.open() === 0, 2000);
    await eventuallyTrue(() => client.statuses.includes(401), 6000);
  });
});

/** A stream that saw one point of `source` and was closed: the id a reconnect would send as Last-Event-ID. */
async function idOfOneSeenPoint(tenant: Tenant, source: string, query = ''): Promise<{ lastEventId: string; seen: any }> {
  const first = await subscribe(tenant.bucketId, tenant.readKey, query);
  await postPoint(tenant, source, -1);
  const [seen] = await first.waitForPoints(1);
  first.close();
  return { lastEventId: first.events[0]!.id, seen };
}

describe('GET /api/buckets/:bucketId/stream with Last-Event-ID', () => {
  it('replays what the client missed, then goes on live, sending no point twice', async () => {
    const tenant = await tenantWithSources(1);
    const source = tenant.sourceIds[0]!;
    const { lastEventId, seen } = await idOfOneSeenPoint(tenant, source);

    for (const temperature of [2, 3, 4]) await postPoint(tenant, source, temperature);
    const again = await subscribe(tenant.bucketId, tenant.readKey, '', { 'Last-Event-ID': lastEventId });
    await postPoint(tenant, source, 5);
    await again.waitForPoints(4);
    await pause(300);
    expect(again.points().map((point) => point.values.temperature)).toEqual([2, 3, 4, 5]);
    expect(again.points().map((point) => point._id)).not.toContain(seen._id);
  });

  it('sends event: reset when more than 1000 points were missed, or the id cannot be read', async () => {
    const tenant = await tenantWithSources(1);
    const source = tenant.sourceIds[0]!;
    const { lastEventId } = await idOfOneSeenPoint(tenant, source);
    await postBatch(
      tenant,
      Array.from({ length: 1000 }, (_, i) => ({ dataSourceId: source, temperature: i })),
    );
    await postPoint(tenant, source, 1000);

    const again = await subscribe(tenant.bucketId, tenant.readKey, '', { 'Last-Event-ID': lastEventId });
    await eventuallyTrue(() => again.events.length >= 1, 5000);
    expect(again.events[0]).toEqual({ type: 'reset', id: '', data: { reason: 'more than 1000 points were missed' } });
    await postPoint(tenant, source, 7);
    expect((await again.waitForPoints(1)).map((point) => point.values.temperature)).toEqual([7]);

    const unreadable = await subscribe(tenant.bucketId, tenant.readKey, '', { 'Last-Event-ID': 'yesterday' });
    await eventuallyTrue(() => unreadable.events.length >= 1, 5000);
    expect(unreadable.events[0]?.type).toBe('reset');
  });

  it('replays exactly 1000 missed points of the sources asked, skipping other sources', async () => {
    const tenant = await tenantWithSources(2);
    const [wanted, other] = tenant.sourceIds as [string, string];
    const { lastEventId } = await idOfOneSeenPoint(tenant, wanted, `?dataSourceIds=${wanted}`);
    await postBatch(
      tenant,
      Array.from({ length: 1000 }, (_, i) => ({ dataSourceId: wanted, temperature: i })),
    );
    await postBatch(
      tenant,
      Array.from({ length: 10 }, (_, i) => ({ dataSourceId: other, temperature: i })),
    );

    const again = await subscribe(tenant.bucketId, tenant.readKey, `?dataSourceIds=${wanted}`, { 'Last-Event-ID': lastEventId });
    const points = await again.waitForPoints(1000);
    expect(points.map((point) => point.values.temperature)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(again.events.some((event) => event.type === 'reset')).toBe(false);
    expect(await LiveEventModel.countDocuments({ bucketId: tenant.bucketId })).toBeGreaterThan(0);
  });
});

async function eventuallyTrue(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await pause(20);
  }
}
