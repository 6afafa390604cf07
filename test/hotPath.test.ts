import { randomBytes, randomInt } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import mongoose, { Types } from 'mongoose';
import type { Response } from 'supertest';
import { ApiKeyModel } from '../src/modules/keys/model';
import { DataPointModel } from '../src/modules/points/model';
import { expectError, expectErrorBody, expectUnauthorized } from './support/assertions';
import { createBucketKey, createDataSource, createTenant, type Tenant } from './support/tenants';
import { useTestApp, type TestApp } from './support/testApp';

const app = useTestApp();

const createSource = (target: TestApp, tenant: Tenant) =>
  createDataSource(target, tenant.adminKey, tenant.bucketId, { temperature: 'number', label: 'string' });

const storedPoints = (bucketId: string) => DataPointModel.find({ bucketId: new Types.ObjectId(bucketId) }).lean();

/** Distinct, valid (past) timestamps, one second apart. */
const timestampOf = (i: number) => new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString();

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const randomBase62 = (length: number) => Array.from({ length }, () => base62[randomInt(base62.length)]).join('');

/** The ids of a list must be pairwise distinct. */
function expectNoDuplicates(ids: string[]): void {
  const seen = new Set<string>();
  const duplicates = ids.filter((id) => {
    if (seen.has(id)) return true;
    seen.add(id);
    return false;
  });
  expect(duplicates).toEqual([]);
}

describe('POST /api/data group commit', () => {
  it('stores 200 concurrent single-point requests, each exactly once, under the id it answered with', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(app(), tenant);
    const count = 200;
    const responses = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        app()
          .http.post('/api/data')
          .set('X-API-Key', tenant.writeKey)
          .timeout({ response: 20_000, deadline: 25_000 })
          .send({ bucketId: tenant.bucketId, dataSourceId, timestamp: timestampOf(i), values: { temperature: i, label: `p${i}` } }),
      ),
    );

    expect(responses.map((res) => res.status)).toEqual(Array(count).fill(201));
    responses.forEach((res, i) => {
      expect(res.body.message).toBe('Data point ingested successfully');
      expect(res.body.dataPoint).toMatchObject({
        _id: expect.stringMatching(/^[0-9a-f]{24}$/),
        bucketId: tenant.bucketId,
        dataSourceId,
        timestamp: new Date(timestampOf(i)).toISOString(),
        values: { temperature: i, label: `p${i}` },
      });
    });
    const answeredIds = responses.map((res) => res.body.dataPoint._id as string);
    expectNoDuplicates(answeredIds);

    const stored = await storedPoints(tenant.bucketId);
    const storedIds = stored.map((point) => point._id.toHexString());
    expect(stored).toHaveLength(count);
    expectNoDuplicates(storedIds);
    expect([...storedIds].sort()).toEqual([...answeredIds].sort());
    // Each stored point is the one its response described.
    const storedById = new Map(stored.map((point) => [point._id.toHexString(), point]));
    responses.forEach((res, i) => {
      const point = storedById.get(res.body.dataPoint._id);
      expect(point?.values).toEqual({ temperature: i, label: `p${i}` });
      expect(point?.timestamp).toEqual(new Date(timestampOf(i)));
      expect(point?.dataSourceId.toHexString()).toBe(dataSourceId);
    });
  });
});

describe('POST /api/data when the database goes away mid-window', () => {
  // A wider group-commit window makes it likely that the connection closes while points
  // are waiting in a group or being written; the default app (2 ms) is exercised as well.
  const wideWindow = useTestApp({ GROUP_COMMIT_WINDOW_MS: '25' });

  const reopen = async () => {
    if (mongoose.connection.readyState !== 1) {
      await mongoose.connection.openUri(process.env.DAKKIO_TEST_MONGODB_URI!, { dbName: mongoose.connection.name });
    }
  };

  it('answers every request 201 or 503 (never 500, never a hang) and keeps every acknowledged point', async () => {
    const burst = 100;
    // From "closed right after firing" (all 503) to "closed part-way through" (201s and 503s);
    // stop at the first attempt that saw both, but check every attempt's answers.
    const delaysMs = [0, 10, 30, 60, 100, 150, 250, 400];
    let unavailableSeen = 0;
    let mixedSeen = false;

    for (let attempt = 0; attempt < delaysMs.length && !mixedSeen; attempt += 1) {
      const target = attempt % 2 === 0 ? wideWindow() : app();
      const tenant = await createTenant(target);
      const dataSourceId = await createSource(target, tenant);
      // Warm the key so most requests get past authentication before the outage.
      await target.http
        .post('/api/data')
        .set('X-API-Key', tenant.writeKey)
        .send({ bucketId: tenant.bucketId, dataSourceId, timestamp: timestampOf(100_000), values: { temperature: -1 } })
        .expect(201);

      let responses: Response[] = [];
      try {
        const inFlight = Promise.all(
          Array.from({ length: burst }, (_, i) =>
            target.http
              .post('/api/data')
              .set('X-API-Key', tenant.writeKey)
              .timeout({ response: 15_000, deadline: 20_000 })
              .send({ bucketId: tenant.bucketId, dataSourceId, timestamp: timestampOf(i), values: { temperature: i } })
              .then((res) => res),
          ),
        );
        await new Promise((resolve) => setTimeout(resolve, delaysMs[attempt]));
        await mongoose.connection.close();
        responses = await inFlight;
      } finally {
        await reopen();
      }

      for (const res of responses) {
        expect([201, 503]).toContain(res.status);
        if (res.status === 503) {
          expectError(res, 503, 'Service Unavailable', expect.any(String));
          expect(res.headers['retry-after']).toMatch(/^\d+$/);
        }
      }
      const acknowledged = responses.filter((res) => res.status === 201);
      unavailableSeen += responses.length - acknowledged.length;
      mixedSeen = acknowledged.length > 0 && acknowledged.length < responses.length;

      // Every point answered 201 is in the database, exactly once.
      const stored = await storedPoints(tenant.bucketId);
      const storedIds = stored.map((point) => point._id.toHexString());
      expectNoDuplicates(storedIds);
      const storedSet = new Set(storedIds);
      const missing = acknowledged.map((res) => res.body.dataPoint._id as string).filter((id) => !storedSet.has(id));
      expect(missing).toEqual([]);
      for (const res of acknowledged) {
        const point = stored.find((p) => p._id.toHexString() === res.body.dataPoint._id);
        expect(point?.values).toEqual(res.body.dataPoint.values);
      }

      // The server is healthy again once the database is back.
      await target.http
        .post('/api/data')
        .set('X-API-Key', tenant.writeKey)
        .send({ bucketId: tenant.bucketId, dataSourceId, timestamp: timestampOf(100_001), values: { temperature: -2 } })
        .expect(201);
    }

    // The outage must actually have been observed, or the test proved nothing.
    expect(unavailableSeen).toBeGreaterThan(0);
  }, 120_000);
});

describe('verified-key cache on the request path', () => {
  const listSources = (key: string, bucketId: string) => app().http.get(`/api/buckets/${bucketId}/sources`).set('X-API-Key', key);

  it('runs one bcrypt compare for 100 requests with the same key', async () => {
    const tenant = await createTenant(app());
    const fresh = await createBucketKey(app(), tenant.adminKey, tenant.bucketId, 'read');
    const before = app().bcryptCompares();
    for (let i = 0; i < 100; i += 1) {
      const res = await listSources(fresh.key, tenant.bucketId);
      expect(res.status).toBe(200);
    }
    expect(app().bcryptCompares() - before).toBe(1);
  });

  it('runs one bcrypt compare for 50 simultaneous first requests with a new key (500 dashboards opening at once)', async () => {
    const tenant = await createTenant(app());
    const fresh = await createBucketKey(app(), tenant.adminKey, tenant.bucketId, 'read');
    const before = app().bcryptCompares();
    const answers = await Promise.all(Array.from({ length: 50 }, () => listSources(fresh.key, tenant.bucketId)));
    expect(answers.map((res) => res.status)).toEqual(answers.map(() => 200));
    expect(app().bcryptCompares() - before).toBe(1);
  });

  it('answers 401 on the next request with a cached key that was deleted through the API', async () => {
    const tenant = await createTenant(app());
    const key = await createBucketKey(app(), tenant.adminKey, tenant.bucketId, 'read');
    await listSources(key.key, tenant.bucketId).expect(200);
    await listSources(key.key, tenant.bucketId).expect(200);
    await app().http.delete(`/api/buckets/${tenant.bucketId}/keys/${key.id}`).set('X-API-Key', tenant.adminKey).expect(200);
    expectUnauthorized(await listSources(key.key, tenant.bucketId));
    expectUnauthorized(await listSources(key.key, tenant.bucketId));
  });

  it('answers 401 on the next request with a cached key whose expiresAt has passed', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(app(), tenant);
    const ingest = () =>
      app()
        .http.post('/api/data')
        .set('X-API-Key', tenant.writeKey)
        .send({ bucketId: tenant.bucketId, dataSourceId, values: { temperature: 1 } });
    await ingest().expect(201);
    await ingest().expect(201);
    await ApiKeyModel.updateOne({ _id: tenant.writeKeyId }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    expectUnauthorized(await ingest());
    expect(await storedPoints(tenant.bucketId)).toHaveLength(2);
    // Lifting the expiry makes the key work again (after a fresh secret check).
    await ApiKeyModel.updateOne({ _id: tenant.writeKeyId }, { $set: { expiresAt: null } });
    await ingest().expect(201);
  });

  it('answers 401 to an unknown well-formed key without running bcrypt', async () => {
    const tenant = await createTenant(app());
    const before = app().bcryptCompares();
    for (const prefix of ['dakkio_w_', 'dakkio_r_', 'dakkio_a_']) {
      const unknown = prefix + randomBase62(40);
      expectUnauthorized(await listSources(unknown, tenant.bucketId));
    }
    const dataSourceId = await createSource(app(), tenant);
    const unknownWrite = `dakkio_w_${randomBase62(40)}`;
    expectUnauthorized(
      await app()
        .http.post('/api/data')
        .set('X-API-Key', unknownWrite)
        .send({ bucketId: tenant.bucketId, dataSourceId, values: { temperature: 1 } }),
    );
    // createSource used the (already cached) admin key; nothing above needed a compare.
    expect(app().bcryptCompares() - before).toBe(0);
    expect(await storedPoints(tenant.bucketId)).toHaveLength(0);
  });
});

describe('POST /api/data/batch with Content-Encoding', () => {
  // superagent types serializers as returning strings; a Buffer is sent as is all the same.
  const asIs = ((bytes: Buffer) => bytes) as unknown as (body: unknown) => string;
  const postRaw = (tenant: Tenant, body: Buffer, encoding: string) =>
    app()
      .http.post('/api/data/batch')
      .set('X-API-Key', tenant.writeKey)
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', encoding)
      .timeout({ response: 15_000, deadline: 20_000 })
      // superagent would JSON-encode a Buffer under a JSON Content-Type; send the bytes instead.
      .serialize(asIs)
      .send(body);

  const batchOf = (tenant: Tenant, dataSourceId: string, count: number) => ({
    bucketId: tenant.bucketId,
    dataPoints: Array.from({ length: count }, (_, i) => ({ dataSourceId, timestamp: timestampOf(i), values: { temperature: i } })),
  });

  it('inflates a gzip body and stores its points', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(app(), tenant);
    const res = await postRaw(tenant, gzipSync(JSON.stringify(batchOf(tenant, dataSourceId, 50))), 'gzip');
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ message: 'Batch ingested successfully', inserted: 50 });
    const stored = await storedPoints(tenant.bucketId);
    expect(stored.map((point) => point.values.temperature).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
  });

  it('refuses a small gzip body that inflates past the body limit with 413 and stores nothing', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(app(), tenant);
    // Valid JSON padded with 5 MB of whitespace: about 5 kB on the wire.
    const bomb = gzipSync(JSON.stringify(batchOf(tenant, dataSourceId, 3)) + ' '.repeat(5 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(app().config.BODY_LIMIT_BYTES / 10);
    const res = await postRaw(tenant, bomb, 'gzip');
    expectError(res, 413, 'Payload Too Large', expect.any(String));
    expect(await storedPoints(tenant.bucketId)).toHaveLength(0);
  });

  it('answers 400 (never 500) to a body that is not a gzip stream, and stores nothing', async () => {
    const tenant = await createTenant(app());
    const res = await postRaw(tenant, randomBytes(256), 'gzip');
    expectErrorBody(res, 400, 'Validation Error');
    expect(await storedPoints(tenant.bucketId)).toHaveLength(0);
  });

  it('answers 400 (never 500) to a truncated gzip stream, and stores nothing', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(app(), tenant);
    const whole = gzipSync(JSON.stringify(batchOf(tenant, dataSourceId, 20)));
    const res = await postRaw(tenant, whole.subarray(0, Math.floor(whole.length / 2)), 'gzip');
    expectErrorBody(res, 400, 'Validation Error');
    expect(await storedPoints(tenant.bucketId)).toHaveLength(0);
  });

  it('refuses an unsupported Content-Encoding with 415 and stores nothing', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(app(), tenant);
    const res = await postRaw(tenant, Buffer.from(JSON.stringify(batchOf(tenant, dataSourceId, 2))), 'compress');
    expectError(res, 415, 'Unsupported Media Type', expect.any(String));
    expect(await storedPoints(tenant.bucketId)).toHaveLength(0);
  });
});

describe('Idempotency-Key racing through group commit', () => {
  it('stores 20 concurrent identical requests with the same key exactly once', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(app(), tenant);
    const body = { bucketId: tenant.bucketId, dataSourceId, timestamp: '2025-06-01T00:00:00Z', values: { temperature: 7 } };
    const send = () =>
      app()
        .http.post('/api/data')
        .set('X-API-Key', tenant.writeKey)
        .set('Idempotency-Key', 'hot-race')
        .timeout({ response: 15_000, deadline: 20_000 })
        .send(body);

    const responses = await Promise.all(Array.from({ length: 20 }, send));
    for (const res of responses) expect([201, 409]).toContain(res.status);
    const created = responses.filter((res) => res.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    // Every 201 is the same first response.
    for (const res of created) expect(res.body).toEqual(created[0]!.body);
    for (const res of responses.filter((r) => r.status === 409)) {
      expectError(res, 409, 'Conflict', 'A request with this Idempotency-Key is still being processed');
    }

    let stored = await storedPoints(tenant.bucketId);
    expect(stored).toHaveLength(1);
    expect(stored[0]!._id.toHexString()).toBe(created[0]!.body.dataPoint._id);

    // A later retry replays the first response and still stores nothing new.
    const retry = await send().expect(201);
    expect(retry.body).toEqual(created[0]!.body);
    stored = await storedPoints(tenant.bucketId);
    expect(stored).toHaveLength(1);
  });

  it('keeps idempotent and plain requests of one group apart: each key once, each plain request once', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(app(), tenant);
    const post = (i: number, idempotencyKey?: string) => {
      const req = app().http.post('/api/data').set('X-API-Key', tenant.writeKey).timeout({ response: 15_000, deadline: 20_000 });
      if (idempotencyKey) req.set('Idempotency-Key', idempotencyKey);
      return req.send({ bucketId: tenant.bucketId, dataSourceId, timestamp: timestampOf(i), values: { temperature: i } });
    };
    // Ten keys, each sent three times at once, interleaved with thirty plain requests.
    const keyed = Array.from({ length: 30 }, (_, n) => ({ i: n % 10, key: `mixed-${n % 10}` }));
    const plain = Array.from({ length: 30 }, (_, n) => ({ i: 1000 + n, key: undefined }));
    const all = keyed.flatMap((k, n) => [k, plain[n]!]);
    const responses = await Promise.all(all.map(({ i, key }) => post(i, key)));

    for (const [n, { key }] of all.entries()) expect([201, ...(key ? [409] : [])]).toContain(responses[n]!.status);
    const stored = await storedPoints(tenant.bucketId);
    const storedIds = stored.map((point) => point._id.toHexString());
    expectNoDuplicates(storedIds);
    // One point per key plus every plain request.
    expect(stored).toHaveLength(10 + 30);
    const temperatures = stored.map((point) => Number(point.values.temperature)).sort((a, b) => a - b);
    expect(temperatures).toEqual([...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 30 }, (_, n) => 1000 + n)]);
    const storedSet = new Set(storedIds);
    for (const res of responses.filter((r) => r.status === 201)) expect(storedSet.has(res.body.dataPoint._id)).toBe(true);
  });
});
