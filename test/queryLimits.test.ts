import { Types } from 'mongoose';
import { DataPointModel } from '../src/modules/points/model';
import { DataSourceModel } from '../src/modules/sources/model';
import { createDataSource, createTenant, type Tenant } from './support/tenants';
import { useTestApp, type TestApp } from './support/testApp';

const hour = 3_600_000;
const start = Date.UTC(2026, 0, 5);

/** `count` points one second apart from `start`, through the batch API, 1000 per request. */
async function seed(app: TestApp, tenant: Tenant, dataSourceId: string, count: number): Promise<void> {
  for (let offset = 0; offset < count; offset += 1000) {
    const dataPoints = Array.from({ length: Math.min(1000, count - offset) }, (_, i) => ({
      dataSourceId,
      timestamp: new Date(start + (offset + i) * 1000).toISOString(),
      values: { temperature: (offset + i) % 40, humidity: i % 100 },
    }));
    await app.http.post('/api/data/batch').set('X-API-Key', tenant.writeKey).send({ bucketId: tenant.bucketId, dataPoints }).expect(201);
  }
}

const countByMinute = (tenant: Tenant, dataSourceId: string) => ({
  bucketId: tenant.bucketId,
  dataSourceId,
  aggregation: 'count',
  groupBy: 'minute',
  filters: { startTime: new Date(start).toISOString(), endTime: new Date(start + 12 * hour).toISOString() },
});

describe('POST /api/data/query under QUERY_MAX_TIME_MS and QUERY_MAX_CONCURRENT_PER_KEY', () => {
  const app = useTestApp({ QUERY_MAX_TIME_MS: '5', QUERY_MAX_CONCURRENT_PER_KEY: '1', QUERY_MAX_INTERVALS: '100000' });
  let tenant: Tenant;
  let dataSourceId: string;
  beforeAll(async () => {
    tenant = await createTenant(app());
    dataSourceId = await createDataSource(app(), tenant.writeKey, tenant.bucketId, { temperature: 'number', humidity: 'number' });
    await seed(app(), tenant, dataSourceId, 30_000);
  }, 120_000);

  it('answers a query that outruns the time limit with a 400 telling the caller to narrow it, in time', async () => {
    const started = Date.now();
    const res = await app().http.post('/api/data/query').set('X-API-Key', tenant.readKey).send(countByMinute(tenant, dataSourceId));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('Validation Error');
    expect(res.body.message).toMatch(/longer than 5 ms.*narrow the time range/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await DataPointModel.countDocuments({ bucketId: new Types.ObjectId(tenant.bucketId) })).toBe(30_000);
  });

  it('refuses a second query of the same key while one runs, with 429 and Retry-After', async () => {
    const query = () => app().http.post('/api/data/query').set('X-API-Key', tenant.readKey).send(countByMinute(tenant, dataSourceId));
    const answers = await Promise.all([query(), query()]);
    const statuses = answers.map((res) => res.status).sort();
    expect(statuses).toEqual([400, 429]);
    const refused = answers.find((res) => res.status === 429)!;
    expect(refused.body).toMatchObject({
      error: 'Too Many Requests',
      message: 'At most 1 queries at once per key; wait for one to finish',
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('lets another key query while one key is at its limit', async () => {
    const slow = app().http.post('/api/data/query').set('X-API-Key', tenant.readKey).send(countByMinute(tenant, dataSourceId));
    const other = app()
      .http.post('/api/data/query')
      .set('X-API-Key', tenant.writeKey)
      .send({ bucketId: tenant.bucketId, dataSourceId, filters: { limit: 1 } });
    const [, otherRes] = await Promise.all([slow, other]);
    expect([200, 400]).toContain(otherRes.status);
    expect(otherRes.status).not.toBe(429);
  });
});

describe('POST /api/data/query under QUERY_MAX_INTERVALS and QUERY_MAX_RESPONSE_BYTES', () => {
  const app = useTestApp({ QUERY_MAX_INTERVALS: '100', QUERY_MAX_RESPONSE_BYTES: '4096' });
  let tenant: Tenant;
  let dataSourceId: string;
  beforeAll(async () => {
    tenant = await createTenant(app());
    dataSourceId = await createDataSource(app(), tenant.writeKey, tenant.bucketId, { note: 'string', temperature: 'number' });
    const dataPoints = Array.from({ length: 10 }, (_, i) => ({
      dataSourceId,
      timestamp: new Date(start + i * 60_000).toISOString(),
      values: { note: 'x'.repeat(1000), temperature: i },
    }));
    await app().http.post('/api/data/batch').set('X-API-Key', tenant.writeKey).send({ bucketId: tenant.bucketId, dataPoints }).expect(201);
  });
  const query = (body: object) =>
    app()
      .http.post('/api/data/query')
      .set('X-API-Key', tenant.readKey)
      .send({ bucketId: tenant.bucketId, dataSourceId, ...body });
  const oneDay = { startTime: new Date(start).toISOString(), endTime: new Date(start + 24 * hour).toISOString() };

  it('refuses a grouping with more intervals than the limit, naming the count', async () => {
    const res = await query({ aggregation: 'avg', groupBy: 'minute', filters: oneDay });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(
      'groupBy "minute" over this range gives 1440 intervals, more than the limit of 100: use a larger groupBy or a narrower range',
    );
    expect((await query({ aggregation: 'avg', groupBy: 'hour', filters: oneDay })).status).toBe(200);
  });

  it('counts the intervals of an open range over the points that match', async () => {
    const res = await query({ aggregation: 'max', groupBy: 'minute' });
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(10);
  });

  it('refuses a raw page larger than the response limit, and answers a smaller one', async () => {
    const tooLarge = await query({ filters: oneDay });
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.body.message).toBe('The response would exceed 4096 bytes: lower filters.limit, ask for fewer fields, or aggregate');
    const small = await query({ filters: { ...oneDay, limit: 2 } });
    expect(small.status).toBe(200);
    expect(small.body.data).toHaveLength(2);
    const numbersOnly = await query({ filters: { ...oneDay, fields: ['temperature'] } });
    expect(numbersOnly.status).toBe(200);
    expect(numbersOnly.body.data).toHaveLength(10);
  });
});

describe('POST /api/buckets/:bucketId/sources under MAX_SOURCES_PER_BUCKET and MAX_FIELDS_PER_SOURCE', () => {
  const app = useTestApp({ MAX_SOURCES_PER_BUCKET: '2', MAX_FIELDS_PER_SOURCE: '3' });

  it('refuses a data source beyond the per-bucket limit with 409, storing nothing', async () => {
    const tenant = await createTenant(app());
    await createDataSource(app(), tenant.writeKey, tenant.bucketId);
    await createDataSource(app(), tenant.writeKey, tenant.bucketId);
    const res = await app()
      .http.post(`/api/buckets/${tenant.bucketId}/sources`)
      .set('X-API-Key', tenant.writeKey)
      .send({ name: 'third', schema: { temperature: 'number' } });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'Conflict', message: 'A bucket may have at most 2 data sources' });
    expect(await DataSourceModel.countDocuments({ bucketId: new Types.ObjectId(tenant.bucketId) })).toBe(2);
  });

  it('refuses a schema with more fields than the limit, on create and on update', async () => {
    const tenant = await createTenant(app());
    const wide = { a: 'number', b: 'number', c: 'number', d: 'number' };
    const created = await app()
      .http.post(`/api/buckets/${tenant.bucketId}/sources`)
      .set('X-API-Key', tenant.writeKey)
      .send({ name: 'wide', schema: wide });
    expect(created.status).toBe(400);
    expect(created.body.details).toEqual([{ path: ['body', 'schema'], message: 'At most 3 fields' }]);
    const sourceId = await createDataSource(app(), tenant.writeKey, tenant.bucketId);
    const updated = await app()
      .http.patch(`/api/buckets/${tenant.bucketId}/sources/${sourceId}`)
      .set('X-API-Key', tenant.writeKey)
      .send({ schema: wide });
    expect(updated.status).toBe(400);
    const stored = await DataSourceModel.findById(sourceId).lean();
    expect(Object.keys(stored!.schema)).toEqual(['temperature']);
  });
});
