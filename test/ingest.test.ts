import { Types } from 'mongoose';
import { DataPointModel } from '../src/modules/points/model';
import { idempotencyRecords } from '../src/modules/idempotency/model';
import { expectError, expectNotFound } from './support/assertions';
import { createBucket, createDataSource, createTenant, type Tenant } from './support/tenants';
import { useTestApp } from './support/testApp';

const app = useTestApp();

const createSource = (tenant: Tenant, bucketId = tenant.bucketId) =>
  createDataSource(app(), tenant.adminKey, bucketId, { temperature: 'number', label: 'string', ok: 'boolean' });

const storedPoints = (bucketId: string) => DataPointModel.find({ bucketId: new Types.ObjectId(bucketId) }).lean();

describe('POST /api/data', () => {
  it('stores a point and answers with it once the database acknowledged it', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(tenant);
    const res = await app()
      .http.post('/api/data')
      .set('X-API-Key', tenant.writeKey)
      .send({
        bucketId: tenant.bucketId,
        dataSourceId,
        timestamp: '2024-03-01T12:00:00.123+02:00',
        values: { temperature: 21.5, label: 'north', ok: true },
        metadata: { room: 'kitchen', floor: 1 },
      })
      .expect(201);
    expect(res.body).toEqual({
      message: 'Data point ingested successfully',
      dataPoint: {
        _id: expect.stringMatching(/^[0-9a-f]{24}$/),
        bucketId: tenant.bucketId,
        dataSourceId,
        timestamp: '2024-03-01T10:00:00.123Z',
        values: { temperature: 21.5, label: 'north', ok: true },
        metadata: { room: 'kitchen', floor: 1 },
        createdAt: expect.any(String),
      },
    });
    const [stored] = await storedPoints(tenant.bucketId);
    expect(stored?._id.toHexString()).toBe(res.body.dataPoint._id);
    expect(stored?.timestamp).toEqual(new Date('2024-03-01T10:00:00.123Z'));
    expect(stored?.dataSourceId).toEqual(new Types.ObjectId(dataSourceId));
    expect(stored?.values).toEqual({ temperature: 21.5, label: 'north', ok: true });
  });

  it('uses the server time when the timestamp is missing, and accepts a subset of fields', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(tenant);
    const before = Date.now();
    const res = await app()
      .http.post('/api/data')
      .set('X-API-Key', tenant.adminKey)
      .send({ bucketId: tenant.bucketId, dataSourceId, values: { temperature: -3 } })
      .expect(201);
    const timestamp = new Date(res.body.dataPoint.timestamp).getTime();
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(Date.now());
    expect(res.body.dataPoint.metadata).toEqual({});
    expect(await storedPoints(tenant.bucketId)).toHaveLength(1);
  });

  const badPoints: [string, (source: string) => object | string, (string | number)[], RegExp?][] = [
    ['an undeclared field', (s) => ({ dataSourceId: s, values: { pressure: 1013 } }), ['body', 'values', 'pressure']],
    ['a string where a number is declared', (s) => ({ dataSourceId: s, values: { temperature: '21' } }), ['body', 'values', 'temperature']],
    [
      'an object where a number is declared',
      (s) => ({ dataSourceId: s, values: { temperature: { $gt: 0 } } }),
      ['body', 'values', 'temperature'],
    ],
    ['a number where a boolean is declared', (s) => ({ dataSourceId: s, values: { ok: 1 } }), ['body', 'values', 'ok']],
    [
      'a timestamp 2 hours ahead',
      (s) => ({ dataSourceId: s, values: { temperature: 1 }, timestamp: new Date(Date.now() + 7_200_000).toISOString() }),
      ['body', 'timestamp'],
      /1 hour in the future/,
    ],
    [
      'a timestamp before 1970',
      (s) => ({ dataSourceId: s, values: { temperature: 1 }, timestamp: '1969-12-31T23:59:59Z' }),
      ['body', 'timestamp'],
      /before 1970/,
    ],
    [
      'a timestamp without an offset',
      (s) => ({ dataSourceId: s, values: { temperature: 1 }, timestamp: '2024-01-01T00:00:00' }),
      ['body', 'timestamp'],
    ],
    ['empty values', (s) => ({ dataSourceId: s, values: {} }), ['body', 'values']],
    [
      'a $-prefixed metadata key',
      (s) => ({ dataSourceId: s, values: { temperature: 1 }, metadata: { $where: 'x' } }),
      ['body', 'metadata', '$where'],
    ],
    [
      'nested metadata',
      (s) => ({ dataSourceId: s, values: { temperature: 1 }, metadata: { room: { name: 'x' } } }),
      ['body', 'metadata', 'room'],
    ],
    ['a malformed data source id', () => ({ dataSourceId: 'nope', values: { temperature: 1 } }), ['body', 'dataSourceId']],
  ];

  it.each(badPoints)('rejects %s with 400 naming the path, storing nothing', async (...[, point, path, message]) => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(tenant);
    const res = await app()
      .http.post('/api/data')
      .set('X-API-Key', tenant.writeKey)
      .send({ bucketId: tenant.bucketId, ...(point(dataSourceId) as object) })
      .expect(400);
    expect(res.body.error).toBe('Validation Error');
    const issue = res.body.details.find((d: { path: unknown[] }) => JSON.stringify(d.path) === JSON.stringify(path));
    expect(issue).toBeDefined();
    if (message) expect(issue.message).toMatch(message);
    expect(await storedPoints(tenant.bucketId)).toHaveLength(0);
  });

  it('rejects a number too large for a double (1e400) with 400', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(tenant);
    const res = await app()
      .http.post('/api/data')
      .set('X-API-Key', tenant.writeKey)
      .set('Content-Type', 'application/json')
      .send(`{"bucketId":"${tenant.bucketId}","dataSourceId":"${dataSourceId}","values":{"temperature":1e400}}`)
      .expect(400);
    expect(res.body.details[0].path).toEqual(['body', 'values', 'temperature']);
    expect(await storedPoints(tenant.bucketId)).toHaveLength(0);
  });

  it('answers 404 for a data source of another bucket', async () => {
    const tenant = await createTenant(app());
    const otherBucket = await createBucket(app(), tenant.adminKey);
    const foreignSource = await createSource(tenant, otherBucket);
    const res = await app()
      .http.post('/api/data')
      .set('X-API-Key', tenant.writeKey)
      .send({ bucketId: tenant.bucketId, dataSourceId: foreignSource, values: { temperature: 1 } })
      .expect(404);
    expectNotFound(res, 'Data source not found');
    expect(await DataPointModel.countDocuments({ dataSourceId: new Types.ObjectId(foreignSource) })).toBe(0);
  });

  it('refuses read keys with 403 and stores nothing', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(tenant);
    const res = await app()
      .http.post('/api/data')
      .set('X-API-Key', tenant.readKey)
      .send({ bucketId: tenant.bucketId, dataSourceId, values: { temperature: 1 } })
      .expect(403);
    expect(res.body.message).toBe('Only Admin and Write keys can ingest data');
    expect(await storedPoints(tenant.bucketId)).toHaveLength(0);
  });
});

describe('POST /api/data/batch', () => {
  it('stores points of several data sources of one bucket', async () => {
    const tenant = await createTenant(app());
    const [a, b] = [await createSource(tenant), await createSource(tenant)];
    const dataPoints = [
      { dataSourceId: a, timestamp: '2024-01-01T00:00:00Z', values: { temperature: 1 } },
      { dataSourceId: b, timestamp: '2024-01-01T00:01:00Z', values: { temperature: 2 }, metadata: { room: 'hall' } },
      { dataSourceId: a, values: { label: 'x' } },
    ];
    const res = await app()
      .http.post('/api/data/batch')
      .set('X-API-Key', tenant.writeKey)
      .send({ bucketId: tenant.bucketId, dataPoints })
      .expect(201);
    expect(res.body).toEqual({ message: 'Batch ingested successfully', inserted: 3 });
    const stored = await storedPoints(tenant.bucketId);
    expect(stored).toHaveLength(3);
    expect(stored.filter((p) => p.dataSourceId.toHexString() === a)).toHaveLength(2);
  });

  it('stores nothing when one point of 1000 is bad, and names that point', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(tenant);
    const dataPoints = Array.from({ length: 1000 }, (_, i) => ({
      dataSourceId,
      timestamp: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
      values: { temperature: i === 517 ? 'hot' : i },
    }));
    const res = await app()
      .http.post('/api/data/batch')
      .set('X-API-Key', tenant.writeKey)
      .send({ bucketId: tenant.bucketId, dataPoints })
      .expect(400);
    expect(res.body.details).toEqual([{ path: ['body', 'dataPoints', 517, 'values', 'temperature'], message: 'Expected a finite number' }]);
    expect(await storedPoints(tenant.bucketId)).toHaveLength(0);
  });

  it('lists every bad point, including unknown data sources', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(tenant);
    const res = await app()
      .http.post('/api/data/batch')
      .set('X-API-Key', tenant.writeKey)
      .send({
        bucketId: tenant.bucketId,
        dataPoints: [
          { dataSourceId, values: { temperature: 1 } },
          { dataSourceId, values: { nope: 1 } },
          { dataSourceId: new Types.ObjectId().toHexString(), values: { temperature: 1 } },
        ],
      })
      .expect(400);
    expect(res.body.details.map((d: { path: unknown[] }) => d.path)).toEqual([
      ['body', 'dataPoints', 1, 'values', 'nope'],
      ['body', 'dataPoints', 2, 'dataSourceId'],
    ]);
    expect(await storedPoints(tenant.bucketId)).toHaveLength(0);
  });

  it.each([
    ['no points', 0],
    ['1001 points', 1001],
  ])('rejects %s with 400', async (_case, count) => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(tenant);
    const dataPoints = Array.from({ length: count }, () => ({ dataSourceId, values: { temperature: 1 } }));
    const res = await app()
      .http.post('/api/data/batch')
      .set('X-API-Key', tenant.writeKey)
      .send({ bucketId: tenant.bucketId, dataPoints })
      .expect(400);
    expect(res.body.details[0].path).toEqual(['body', 'dataPoints']);
    expect(await storedPoints(tenant.bucketId)).toHaveLength(0);
  });
});

describe('Idempotency-Key on POST /api/data and /api/data/batch', () => {
  it('answers a retry with the first response and stores the point once', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(tenant);
    const send = () =>
      app()
        .http.post('/api/data')
        .set('X-API-Key', tenant.writeKey)
        .set('Idempotency-Key', 'reading-42')
        .send({ bucketId: tenant.bucketId, dataSourceId, values: { temperature: 20 } })
        .expect(201);
    const first = await send();
    const retry = await send();
    expect(retry.body).toEqual(first.body);
    expect(await storedPoints(tenant.bucketId)).toHaveLength(1);
  });

  it('stores a retried batch once', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(tenant);
    const body = { bucketId: tenant.bucketId, dataPoints: [1, 2, 3].map((v) => ({ dataSourceId, values: { temperature: v } })) };
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const res = await app()
        .http.post('/api/data/batch')
        .set('X-API-Key', tenant.writeKey)
        .set('Idempotency-Key', 'batch-7')
        .send(body)
        .expect(201);
      expect(res.body).toEqual({ message: 'Batch ingested successfully', inserted: 3 });
    }
    expect(await storedPoints(tenant.bucketId)).toHaveLength(3);
  });

  it('refuses the same key with a different body with 409 and stores nothing new', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(tenant);
    const post = (temperature: number) =>
      app()
        .http.post('/api/data')
        .set('X-API-Key', tenant.writeKey)
        .set('Idempotency-Key', 'same-key')
        .send({ bucketId: tenant.bucketId, dataSourceId, values: { temperature } });
    await post(1).expect(201);
    const res = await post(2).expect(409);
    expectError(res, 409, 'Conflict', 'This Idempotency-Key was already used with a different request');
    const stored = await storedPoints(tenant.bucketId);
    expect(stored.map((p) => p.values)).toEqual([{ temperature: 1 }]);
  });

  it('stores once when the same request races itself', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(tenant);
    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        app()
          .http.post('/api/data')
          .set('X-API-Key', tenant.writeKey)
          .set('Idempotency-Key', 'race')
          .send({ bucketId: tenant.bucketId, dataSourceId, timestamp: '2026-01-01T00:00:00Z', values: { temperature: 5 } }),
      ),
    );
    // Each answer is the first response or "still being processed"; never a second write.
    for (const res of responses) expect([201, 409]).toContain(res.status);
    expect(responses.some((res) => res.status === 201)).toBe(true);
    expect(await storedPoints(tenant.bucketId)).toHaveLength(1);
  });

  it('keeps keys of different buckets apart, and does not replay a failed request', async () => {
    const tenant = await createTenant(app());
    const other = await createTenant(app());
    const [source, otherSource] = [await createSource(tenant), await createSource(other)];
    await app()
      .http.post('/api/data')
      .set('X-API-Key', tenant.writeKey)
      .set('Idempotency-Key', 'k')
      .send({ bucketId: tenant.bucketId, dataSourceId: source, values: { temperature: 'bad' } })
      .expect(400);
    await app()
      .http.post('/api/data')
      .set('X-API-Key', tenant.writeKey)
      .set('Idempotency-Key', 'k')
      .send({ bucketId: tenant.bucketId, dataSourceId: source, values: { temperature: 1 } })
      .expect(201);
    await app()
      .http.post('/api/data')
      .set('X-API-Key', other.writeKey)
      .set('Idempotency-Key', 'k')
      .send({ bucketId: other.bucketId, dataSourceId: otherSource, values: { temperature: 1 } })
      .expect(201);
    expect(await storedPoints(tenant.bucketId)).toHaveLength(1);
    expect(await storedPoints(other.bucketId)).toHaveLength(1);
  });

  it('completes, once, a request whose first attempt died after writing part of its points', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(tenant);
    const body = { bucketId: tenant.bucketId, dataPoints: [1, 2, 3].map((v) => ({ dataSourceId, values: { temperature: v } })) };
    const startedAt = new Date();
    const post = () => app().http.post('/api/data/batch').set('X-API-Key', tenant.writeKey).set('Idempotency-Key', 'resume-me').send(body);
    await post().expect(201);
    // Make it look as if the first attempt stored two points and its process then died.
    const [first] = await storedPoints(tenant.bucketId);
    await DataPointModel.deleteOne({ _id: first!._id });
    const claim = await idempotencyRecords().updateOne(
      { createdAt: { $gte: startedAt } },
      { $set: { state: 'pending', createdAt: new Date(Date.now() - 60_000) }, $unset: { response: '' } },
    );
    expect(claim.modifiedCount).toBe(1);

    const retry = await post().expect(201);
    expect(retry.body).toEqual({ message: 'Batch ingested successfully', inserted: 3 });
    const stored = await storedPoints(tenant.bucketId);
    expect(stored.map((p) => p.values.temperature).sort()).toEqual([1, 2, 3]);
    await post().expect(201);
    expect(await storedPoints(tenant.bucketId)).toHaveLength(3);
  });

  it('rejects an Idempotency-Key with control characters or over 255 characters', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(tenant);
    const res = await app()
      .http.post('/api/data')
      .set('X-API-Key', tenant.writeKey)
      .set('Idempotency-Key', 'k'.repeat(256))
      .send({ bucketId: tenant.bucketId, dataSourceId, values: { temperature: 1 } })
      .expect(400);
    expect(res.body.details[0].path).toEqual(['headers', 'idempotency-key']);
    expect(await storedPoints(tenant.bucketId)).toHaveLength(0);
  });
});

describe('POST /api/data with numbers beyond ±1e300', () => {
  it.each([1e301, -1.7e308, Number.MAX_VALUE])('refuses %d, which could overflow sums and averages, storing nothing', async (value) => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(tenant);
    const res = await app()
      .http.post('/api/data')
      .set('X-API-Key', tenant.writeKey)
      .send({ bucketId: tenant.bucketId, dataSourceId, values: { temperature: value } })
      .expect(400);
    expect(res.body.details).toEqual([{ path: ['body', 'values', 'temperature'], message: 'Must be between -1e300 and 1e300' }]);
    expect(await storedPoints(tenant.bucketId)).toHaveLength(0);
  });
});
