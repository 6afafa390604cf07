import http from 'node:http';
import { pause } from './support/alertKit';
import { expectError } from './support/assertions';
import { portOf } from './support/http';
import { openStream, type StreamClient } from './support/streamClient';
import { createBucketKey, createDataSource, createTenant } from './support/tenants';
import { useTestApp } from './support/testApp';

const app = useTestApp({ STREAM_MAX_PER_KEY: '2', STREAM_MAX_TOTAL: '3', STREAM_MAX_BUFFERED_BYTES: '65536', STREAM_HEARTBEAT_MS: '500' });
const baseUrl = () => `http://127.0.0.1:${portOf(app())}`;
const clients: StreamClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

/** A stream request whose client gives up after `delayMs`; settles when the client has. */
function abandonedRequest(url: string, key: string, delayMs: number): Promise<unknown> {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), delayMs);
  return fetch(url, { headers: { 'X-API-Key': key }, signal: controller.signal }).catch(() => undefined);
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await pause(20);
  }
}

describe('GET /api/buckets/:bucketId/stream limits', () => {
  it('caps open streams per key and per process with 429, and frees a slot when a stream closes', async () => {
    const tenant = await createTenant(app());
    const other = await createBucketKey(app(), tenant.adminKey, tenant.bucketId, 'read');
    const path = `/api/buckets/${tenant.bucketId}/stream`;
    const open = async (key: string) => {
      const client = openStream(baseUrl(), path, key);
      clients.push(client);
      await client.opened;
      return client;
    };
    const first = await open(tenant.readKey);
    await open(tenant.readKey);
    expect(app().deps.liveStream.slots.open()).toBe(2);

    const perKey = await app().http.get(path).set('X-API-Key', tenant.readKey);
    expectError(perKey, 429, 'Too Many Requests', 'Too many open streams for this key (at most 2)');
    expect(perKey.headers['retry-after']).toBe('5');

    await open(other.key);
    const total = await app().http.get(path).set('X-API-Key', tenant.writeKey);
    expectError(total, 429, 'Too Many Requests', 'Too many open streams on this server; try again later');

    first.close();
    await waitUntil(() => app().deps.liveStream.slots.open() === 2, 'the closed stream’s slot returned');
    const again = await open(tenant.readKey);
    expect(again.statuses).toEqual([200]);
  });

  it('frees the slots of clients that leave before their stream opened', async () => {
    const tenant = await createTenant(app());
    const url = `${baseUrl()}/api/buckets/${tenant.bucketId}/stream`;
    for (let delayMs = 0; delayMs < 12; delayMs += 1) await abandonedRequest(url, tenant.readKey, delayMs);
    await waitUntil(() => app().deps.liveStream.slots.open() === 0, 'every slot free again');
    const streams = [openStream(baseUrl(), `/api/buckets/${tenant.bucketId}/stream`, tenant.readKey)];
    streams.push(openStream(baseUrl(), `/api/buckets/${tenant.bucketId}/stream`, tenant.readKey));
    clients.push(...streams);
    await Promise.all(streams.map((stream) => stream.opened));
    expect(streams.map((stream) => stream.statuses)).toEqual([[200], [200]]);
  });

  it('drops a client that stops reading during a Last-Event-ID replay', async () => {
    const tenant = await createTenant(app());
    // Eight string fields of 1000 characters (the most one may hold is 1024): about 8 KB a point.
    const notes = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`note${i}`, 'y'.repeat(1000)]));
    const schema = Object.fromEntries(Object.keys(notes).map((name) => [name, 'string']));
    const sourceId = await createDataSource(app(), tenant.adminKey, tenant.bucketId, { temperature: 'number', ...schema });
    const first = openStream(baseUrl(), `/api/buckets/${tenant.bucketId}/stream`, tenant.readKey);
    clients.push(first);
    await first.opened;
    await app()
      .http.post('/api/data')
      .set('X-API-Key', tenant.writeKey)
      .send({ bucketId: tenant.bucketId, dataSourceId: sourceId, values: { temperature: 0 } })
      .expect(201);
    await first.waitForPoints(1);
    first.close();
    for (let batch = 0; batch < 10; batch++) {
      const dataPoints = Array.from({ length: 100 }, (_, i) => ({ dataSourceId: sourceId, values: { temperature: i, ...notes } }));
      await app()
        .http.post('/api/data/batch')
        .set('X-API-Key', tenant.writeKey)
        .send({ bucketId: tenant.bucketId, dataPoints })
        .expect(201);
    }
    await waitUntil(() => app().deps.liveStream.slots.open() === 0, 'the first stream closed');

    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http
        .get(
          `${baseUrl()}/api/buckets/${tenant.bucketId}/stream`,
          { headers: { 'X-API-Key': tenant.readKey, 'Last-Event-ID': first.events[0]!.id } },
          resolve,
        )
        .on('error', reject);
    });
    response.pause();
    expect(response.statusCode).toBe(200);
    await waitUntil(() => app().deps.liveStream.slots.open() === 0, 'the stalled replay dropped');
    expect(app().logs.join('')).toMatch(/stream client stopped reading( during a replay)?; dropped/);
    response.destroy();
  });

  it('drops a client that stops reading instead of buffering for it, and its slot is freed', async () => {
    const tenant = await createTenant(app());
    const sourceId = await createDataSource(app(), tenant.adminKey, tenant.bucketId, { temperature: 'number', note: 'string' });
    let received = 0;
    let ended = false;
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http
        .get(`${baseUrl()}/api/buckets/${tenant.bucketId}/stream`, { headers: { 'X-API-Key': tenant.readKey } }, resolve)
        .on('error', reject);
    });
    expect(response.statusCode).toBe(200);
    response.pause();
    response.on('data', (chunk: Buffer) => (received += chunk.length));
    response.on('close', () => (ended = true));

    const note = 'x'.repeat(200);
    const postBatch = () => {
      const dataPoints = Array.from({ length: 1000 }, (_, i) => ({ dataSourceId: sourceId, values: { temperature: i, note } }));
      return app()
        .http.post('/api/data/batch')
        .set('X-API-Key', tenant.writeKey)
        .send({ bucketId: tenant.bucketId, dataPoints })
        .expect(201);
    };
    let sentBeforeDrop = 0;
    for (let batch = 0; batch < 100 && app().deps.liveStream.slots.open() > 0; batch++) {
      await postBatch();
      sentBeforeDrop += 1000;
      await pause(10);
    }
    await waitUntil(() => app().deps.liveStream.slots.open() === 0, 'the slow client dropped');
    // What the server held for the client when it gave up: the cap, plus at most the one write
    // (a 1000-point batch, well under 500 KB) that went over it; nothing after.
    const drop = app()
      .logs.map((line) => JSON.parse(line) as { msg: string; bufferedBytes?: number })
      .filter((line) => line.msg === 'stream client stopped reading; dropped')
      .at(-1);
    expect(drop?.bufferedBytes).toBeGreaterThan(65_536);
    expect(drop?.bufferedBytes).toBeLessThan(65_536 + 500_000);
    // Points after the drop are not kept for the client anywhere.
    for (let batch = 0; batch < 10; batch++) await postBatch();

    response.resume();
    await waitUntil(() => ended, 'the dropped stream ended at the client');
    const bytesPerPointAtMost = 500;
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(sentBeforeDrop * bytesPerPointAtMost);
    expect(sentBeforeDrop).toBeLessThan(60_000);
  });
});

describe('GET /api/buckets/:bucketId/stream limits, with a slow key check', () => {
  // Cost 12 makes the first check of a key take a few hundred ms, so requests pile up behind one compare.
  const slowApp = useTestApp({ STREAM_MAX_PER_KEY: '2', BCRYPT_ROUNDS: '12' });

  it('gives no slot to clients that left while their key was being checked', async () => {
    const tenant = await createTenant(slowApp());
    const reader = await createBucketKey(slowApp(), tenant.adminKey, tenant.bucketId, 'read');
    const base = `http://127.0.0.1:${portOf(slowApp())}`;
    const path = `/api/buckets/${tenant.bucketId}/stream`;
    const comparesBefore = slowApp().bcryptCompares();
    await Promise.all([0, 1].map(() => abandonedRequest(`${base}${path}`, reader.key, 5)));
    // The departed requests still wait on the compare these streams join; they all resume together.
    const streams = [0, 1].map(() => openStream(base, path, reader.key));
    clients.push(...streams);
    await Promise.all(streams.map((stream) => stream.opened));
    expect(slowApp().bcryptCompares() - comparesBefore).toBe(1);
    expect(streams.map((stream) => stream.statuses)).toEqual([[200], [200]]);
    expect(slowApp().deps.liveStream.slots.open()).toBe(2);
  });
});
