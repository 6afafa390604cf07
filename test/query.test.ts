import { Types } from 'mongoose';
import type { Response } from 'supertest';
import { DataPointModel } from '../src/modules/points/model';
import { enforceRetention } from '../src/modules/retention/retentionJob';
import { expectError, expectNoServerErrorsAfterEach, expectNotFound, expectValidationErrorAt } from './support/assertions';
import { createBucketKey, createOrganization, createTenant, objectId, uniqueName, type Tenant } from './support/tenants';
import { useTestApp } from './support/testApp';

/**
 * POST /api/data/query, DELETE /api/data and retention (api.md §6), against the real app
 * and database. Fixture values are chosen so every expected row below is computed by hand.
 */

const app = useTestApp();

// The error handler logs every 5xx before it answers; none may have happened.
expectNoServerErrorsAfterEach(app);

/** A tenant whose bucket keeps points for `retentionDays` (fixed 2024 dates need more than the default 365). */
async function createTenantWithRetention(retentionDays = 3650): Promise<Tenant> {
  const organization = await createOrganization(app());
  const res = await app()
    .http.post('/api/buckets')
    .set('X-API-Key', organization.adminKey)
    .send({ name: uniqueName('bucket'), retentionDays })
    .expect(201);
  expect(res.body.bucket.retentionDays).toBe(retentionDays);
  const bucketId = res.body.bucket._id as string;
  const write = await createBucketKey(app(), organization.adminKey, bucketId, 'write');
  const read = await createBucketKey(app(), organization.adminKey, bucketId, 'read');
  return { ...organization, bucketId, writeKey: write.key, writeKeyId: write.id, readKey: read.key, readKeyId: read.id };
}

async function createBucketWithRetention(adminKey: string, retentionDays: number): Promise<string> {
  const res = await app()
    .http.post('/api/buckets')
    .set('X-API-Key', adminKey)
    .send({ name: uniqueName('bucket'), retentionDays })
    .expect(201);
  return res.body.bucket._id as string;
}

const defaultSchema = { temperature: 'number', humidity: 'number', label: 'string' };

async function createSource(tenant: Tenant, options: { bucketId?: string; downsampling?: boolean; schema?: object } = {}) {
  const res = await app()
    .http.post(`/api/buckets/${options.bucketId ?? tenant.bucketId}/sources`)
    .set('X-API-Key', tenant.adminKey)
    .send({
      name: uniqueName('source'),
      schema: options.schema ?? defaultSchema,
      ...(options.downsampling === undefined ? {} : { downsampling: options.downsampling }),
    })
    .expect(201);
  if (options.downsampling !== undefined) expect(res.body.dataSource.downsampling).toBe(options.downsampling);
  return res.body.dataSource._id as string;
}

interface PointIn {
  dataSourceId: string;
  timestamp: string;
  values: Record<string, number | string | boolean>;
  metadata?: Record<string, number | string | boolean>;
}

/** Ingests through HTTP in batches of at most 1000 points. */
async function ingest(tenant: Tenant, points: PointIn[], bucketId = tenant.bucketId): Promise<void> {
  for (let i = 0; i < points.length; i += 1000) {
    const dataPoints = points.slice(i, i + 1000);
    const res = await app().http.post('/api/data/batch').set('X-API-Key', tenant.writeKey).send({ bucketId, dataPoints }).expect(201);
    expect(res.body).toEqual({ message: 'Batch ingested successfully', inserted: dataPoints.length });
  }
}

function query(tenant: Tenant, body: object, key = tenant.readKey) {
  return app()
    .http.post('/api/data/query')
    .set('X-API-Key', key)
    .send({ bucketId: tenant.bucketId, ...body });
}

async function queryOk(tenant: Tenant, body: object, key = tenant.readKey): Promise<Response> {
  const res = await query(tenant, body, key);
  if (res.status !== 200) throw new Error(`expected 200, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res;
}

const iso = (ms: number) => new Date(ms).toISOString();

// ---------------------------------------------------------------------------------------
// Hand-computed fixture: three data sources over Mon 2024-01-01 and Tue 2024-01-02 (UTC).
// ---------------------------------------------------------------------------------------

interface Fixture {
  tenant: Tenant;
  A: string;
  B: string;
  C: string;
}

const range = { startTime: '2024-01-01T00:00:00.000Z', endTime: '2024-01-03T00:00:00.000Z' };

async function createFixture(): Promise<Fixture> {
  const tenant = await createTenantWithRetention();
  const A = await createSource(tenant);
  const B = await createSource(tenant);
  const C = await createSource(tenant);
  const points: PointIn[] = [
    // Just outside the range on both sides: never counted.
    { dataSourceId: A, timestamp: '2023-12-31T23:59:59.999Z', values: { temperature: 999, humidity: 999 } },
    { dataSourceId: A, timestamp: '2024-01-03T00:00:00.000Z', values: { temperature: 999 } },
    // A, day 1: temperature 10, 20, 6; humidity 50, 40, 60; a string-only point.
    { dataSourceId: A, timestamp: '2024-01-01T00:00:00.000Z', values: { temperature: 10, humidity: 50, label: 'a' } },
    { dataSourceId: A, timestamp: '2024-01-01T00:30:00.000Z', values: { temperature: 20, label: 'b' } },
    { dataSourceId: A, timestamp: '2024-01-01T05:15:00.000Z', values: { temperature: 6, humidity: 40 } },
    { dataSourceId: A, timestamp: '2024-01-01T05:45:00.000Z', values: { label: 'only a string' } },
    { dataSourceId: A, timestamp: '2024-01-01T23:59:59.999Z', values: { humidity: 60, label: 'c' } },
    // A, day 2: temperature 1, 3; humidity 10, 30.
    { dataSourceId: A, timestamp: '2024-01-02T00:00:00.000Z', values: { temperature: 1, humidity: 10 } },
    { dataSourceId: A, timestamp: '2024-01-02T12:00:00.000Z', values: { temperature: 3, humidity: 30 } },
    // B, day 1 only: temperature 100, 200; humidity 5.
    { dataSourceId: B, timestamp: '2024-01-01T00:10:00.000Z', values: { temperature: 100 } },
    { dataSourceId: B, timestamp: '2024-01-01T23:59:59.999Z', values: { temperature: 200, humidity: 5 } },
    // C, day 2 only: temperature -5, 15, 5; humidity 80.
    { dataSourceId: C, timestamp: '2024-01-02T00:00:00.000Z', values: { temperature: -5, label: 'z' } },
    { dataSourceId: C, timestamp: '2024-01-02T00:20:00.000Z', values: { temperature: 15, humidity: 80 } },
    { dataSourceId: C, timestamp: '2024-01-02T23:59:59.999Z', values: { temperature: 5 } },
  ];
  // Stored in reverse order, so first/last cannot lean on insertion order.
  await ingest(tenant, [...points].reverse());
  return { tenant, A, B, C };
}

const D1 = '2024-01-01T00:00:00.000Z';
const D2 = '2024-01-02T00:00:00.000Z';

/** Expected rows of groupBy day, per aggregation: A day 1, B day 1, A day 2, C day 2. */
function dayRows({ A, B, C }: Fixture) {
  return {
    avg: [
      { timestamp: D1, dataSourceId: A, values: { temperature: 12, humidity: 50 }, count: 5 },
      { timestamp: D1, dataSourceId: B, values: { temperature: 150, humidity: 5 }, count: 2 },
      { timestamp: D2, dataSourceId: A, values: { temperature: 2, humidity: 20 }, count: 2 },
      { timestamp: D2, dataSourceId: C, values: { temperature: 5, humidity: 80 }, count: 3 },
    ],
    min: [
      { timestamp: D1, dataSourceId: A, values: { temperature: 6, humidity: 40 }, count: 5 },
      { timestamp: D1, dataSourceId: B, values: { temperature: 100, humidity: 5 }, count: 2 },
      { timestamp: D2, dataSourceId: A, values: { temperature: 1, humidity: 10 }, count: 2 },
      { timestamp: D2, dataSourceId: C, values: { temperature: -5, humidity: 80 }, count: 3 },
    ],
    max: [
      { timestamp: D1, dataSourceId: A, values: { temperature: 20, humidity: 60 }, count: 5 },
      { timestamp: D1, dataSourceId: B, values: { temperature: 200, humidity: 5 }, count: 2 },
      { timestamp: D2, dataSourceId: A, values: { temperature: 3, humidity: 30 }, count: 2 },
      { timestamp: D2, dataSourceId: C, values: { temperature: 15, humidity: 80 }, count: 3 },
    ],
    sum: [
      { timestamp: D1, dataSourceId: A, values: { temperature: 36, humidity: 150 }, count: 5 },
      { timestamp: D1, dataSourceId: B, values: { temperature: 300, humidity: 5 }, count: 2 },
      { timestamp: D2, dataSourceId: A, values: { temperature: 4, humidity: 40 }, count: 2 },
      { timestamp: D2, dataSourceId: C, values: { temperature: 15, humidity: 80 }, count: 3 },
    ],
    // count per field = points with a numeric value of that field; row count = all points.
    count: [
      { timestamp: D1, dataSourceId: A, values: { temperature: 3, humidity: 3 }, count: 5 },
      { timestamp: D1, dataSourceId: B, values: { temperature: 2, humidity: 1 }, count: 2 },
      { timestamp: D2, dataSourceId: A, values: { temperature: 2, humidity: 2 }, count: 2 },
      { timestamp: D2, dataSourceId: C, values: { temperature: 3, humidity: 1 }, count: 3 },
    ],
    // first/last per field: a point without the field is skipped (A day 1 last temperature is 6, not absent).
    first: [
      { timestamp: D1, dataSourceId: A, values: { temperature: 10, humidity: 50 }, count: 5 },
      { timestamp: D1, dataSourceId: B, values: { temperature: 100, humidity: 5 }, count: 2 },
      { timestamp: D2, dataSourceId: A, values: { temperature: 1, humidity: 10 }, count: 2 },
      { timestamp: D2, dataSourceId: C, values: { temperature: -5, humidity: 80 }, count: 3 },
    ],
    last: [
      { timestamp: D1, dataSourceId: A, values: { temperature: 6, humidity: 60 }, count: 5 },
      { timestamp: D1, dataSourceId: B, values: { temperature: 200, humidity: 5 }, count: 2 },
      { timestamp: D2, dataSourceId: A, values: { temperature: 3, humidity: 30 }, count: 2 },
      { timestamp: D2, dataSourceId: C, values: { temperature: 5, humidity: 80 }, count: 3 },
    ],
  };
}

const aggregationNames = ['avg', 'min', 'max', 'sum', 'count', 'first', 'last'] as const;

describe('POST /api/data/query: aggregation over hand-computed fixtures', () => {
  it.each(aggregationNames)(
    '%s by day: one row per data source per day, empty days absent, string fields left out',
    async (aggregation) => {
      const fixture = await createFixture();
      const res = await queryOk(fixture.tenant, { filters: range, aggregation, groupBy: 'day' });
      expect(res.body).toEqual({
        data: dayRows(fixture)[aggregation],
        metadata: { count: 4, total: 4, hasMore: false, aggregation, groupBy: 'day', downsamplingApplied: false },
      });
    },
  );

  it('avg by hour, with limit/offset over the rows', async () => {
    const { tenant, A, B, C } = await createFixture();
    const hourRows = [
      { timestamp: '2024-01-01T00:00:00.000Z', dataSourceId: A, values: { temperature: 15, humidity: 50 }, count: 2 },
      { timestamp: '2024-01-01T00:00:00.000Z', dataSourceId: B, values: { temperature: 100 }, count: 1 },
      { timestamp: '2024-01-01T05:00:00.000Z', dataSourceId: A, values: { temperature: 6, humidity: 40 }, count: 2 },
      { timestamp: '2024-01-01T23:00:00.000Z', dataSourceId: A, values: { humidity: 60 }, count: 1 },
      { timestamp: '2024-01-01T23:00:00.000Z', dataSourceId: B, values: { temperature: 200, humidity: 5 }, count: 1 },
      { timestamp: '2024-01-02T00:00:00.000Z', dataSourceId: A, values: { temperature: 1, humidity: 10 }, count: 1 },
      { timestamp: '2024-01-02T00:00:00.000Z', dataSourceId: C, values: { temperature: 5, humidity: 80 }, count: 2 },
      { timestamp: '2024-01-02T12:00:00.000Z', dataSourceId: A, values: { temperature: 3, humidity: 30 }, count: 1 },
      { timestamp: '2024-01-02T23:00:00.000Z', dataSourceId: C, values: { temperature: 5 }, count: 1 },
    ];
    const all = await queryOk(tenant, { filters: range, aggregation: 'avg', groupBy: 'hour' });
    expect(all.body).toEqual({
      data: hourRows,
      metadata: { count: 9, total: 9, hasMore: false, aggregation: 'avg', groupBy: 'hour', downsamplingApplied: false },
    });

    const page = await queryOk(tenant, { filters: { ...range, limit: 4, offset: 2 }, aggregation: 'avg', groupBy: 'hour' });
    expect(page.body).toEqual({
      data: hourRows.slice(2, 6),
      metadata: { count: 4, total: 9, hasMore: true, aggregation: 'avg', groupBy: 'hour', downsamplingApplied: false },
    });
    const lastPage = await queryOk(tenant, { filters: { ...range, limit: 4, offset: 8 }, aggregation: 'avg', groupBy: 'hour' });
    expect(lastPage.body).toEqual({
      data: hourRows.slice(8),
      metadata: { count: 1, total: 9, hasMore: false, aggregation: 'avg', groupBy: 'hour', downsamplingApplied: false },
    });
  });

  it('max by week (2024-01-01 is a Monday) and sum by month', async () => {
    const { tenant, A, B, C } = await createFixture();
    const week = await queryOk(tenant, { filters: range, aggregation: 'max', groupBy: 'week' });
    expect(week.body).toEqual({
      data: [
        { timestamp: D1, dataSourceId: A, values: { temperature: 20, humidity: 60 }, count: 7 },
        { timestamp: D1, dataSourceId: B, values: { temperature: 200, humidity: 5 }, count: 2 },
        { timestamp: D1, dataSourceId: C, values: { temperature: 15, humidity: 80 }, count: 3 },
      ],
      metadata: { count: 3, total: 3, hasMore: false, aggregation: 'max', groupBy: 'week', downsamplingApplied: false },
    });
    const month = await queryOk(tenant, { filters: range, aggregation: 'sum', groupBy: 'month' });
    expect(month.body).toEqual({
      data: [
        { timestamp: D1, dataSourceId: A, values: { temperature: 40, humidity: 190 }, count: 7 },
        { timestamp: D1, dataSourceId: B, values: { temperature: 300, humidity: 5 }, count: 2 },
        { timestamp: D1, dataSourceId: C, values: { temperature: 15, humidity: 80 }, count: 3 },
      ],
      metadata: { count: 3, total: 3, hasMore: false, aggregation: 'sum', groupBy: 'month', downsamplingApplied: false },
    });
  });

  it('count by minute for one data source over its first hour', async () => {
    const { tenant, A } = await createFixture();
    const res = await queryOk(tenant, {
      dataSourceId: A,
      filters: { startTime: '2024-01-01T00:00:00Z', endTime: '2024-01-01T01:00:00Z' },
      aggregation: 'count',
      groupBy: 'minute',
    });
    expect(res.body).toEqual({
      data: [
        { timestamp: '2024-01-01T00:00:00.000Z', dataSourceId: A, values: { temperature: 1, humidity: 1 }, count: 1 },
        { timestamp: '2024-01-01T00:30:00.000Z', dataSourceId: A, values: { temperature: 1 }, count: 1 },
      ],
      metadata: { count: 2, total: 2, hasMore: false, aggregation: 'count', groupBy: 'minute', downsamplingApplied: false },
    });
  });

  it('order desc lists the intervals newest first', async () => {
    const fixture = await createFixture();
    const res = await queryOk(fixture.tenant, { filters: { ...range, order: 'desc' }, aggregation: 'sum', groupBy: 'day' });
    const expected = dayRows(fixture).sum;
    // Intervals newest first; the order of data sources within one interval is not part of the contract.
    expect(res.body.data.map((row: { timestamp: string }) => row.timestamp)).toEqual([D2, D2, D1, D1]);
    expect(res.body.data).toHaveLength(4);
    expect(res.body.data).toEqual(expect.arrayContaining(expected));
    expect(res.body.metadata).toEqual({
      count: 4,
      total: 4,
      hasMore: false,
      aggregation: 'sum',
      groupBy: 'day',
      downsamplingApplied: false,
    });
  });

  it('aggregation and groupBy inside filters work the same as at the top level', async () => {
    const fixture = await createFixture();
    const inFilters = await queryOk(fixture.tenant, { filters: { ...range, aggregation: 'min', groupBy: 'day' } });
    expect(inFilters.body).toEqual({
      data: dayRows(fixture).min,
      metadata: { count: 4, total: 4, hasMore: false, aggregation: 'min', groupBy: 'day', downsamplingApplied: false },
    });
    // The same value in both places is no conflict.
    const both = await queryOk(fixture.tenant, {
      filters: { ...range, aggregation: 'min', groupBy: 'day' },
      aggregation: 'min',
      groupBy: 'day',
    });
    expect(both.body).toEqual(inFilters.body);
  });

  it('groupBy alone averages', async () => {
    const fixture = await createFixture();
    const res = await queryOk(fixture.tenant, { filters: range, groupBy: 'day' });
    expect(res.body).toEqual({
      data: dayRows(fixture).avg,
      metadata: { count: 4, total: 4, hasMore: false, aggregation: 'avg', groupBy: 'day', downsamplingApplied: false },
    });
    const inFilters = await queryOk(fixture.tenant, { filters: { ...range, groupBy: 'day' } });
    expect(inFilters.body).toEqual(res.body);
  });

  it('aggregation alone gives one row per data source over the whole range, at its first point', async () => {
    const { tenant, A, B, C } = await createFixture();
    const res = await queryOk(tenant, { filters: range, aggregation: 'min' });
    expect(res.body).toEqual({
      data: [
        { timestamp: '2024-01-01T00:00:00.000Z', dataSourceId: A, values: { temperature: 1, humidity: 10 }, count: 7 },
        { timestamp: '2024-01-01T00:10:00.000Z', dataSourceId: B, values: { temperature: 100, humidity: 5 }, count: 2 },
        { timestamp: '2024-01-02T00:00:00.000Z', dataSourceId: C, values: { temperature: -5, humidity: 80 }, count: 3 },
      ],
      metadata: { count: 3, total: 3, hasMore: false, aggregation: 'min', downsamplingApplied: false },
    });
    const last = await queryOk(tenant, { dataSourceId: A, filters: { ...range, aggregation: 'last' } });
    expect(last.body).toEqual({
      data: [{ timestamp: '2024-01-01T00:00:00.000Z', dataSourceId: A, values: { temperature: 3, humidity: 30 }, count: 7 }],
      metadata: { count: 1, total: 1, hasMore: false, aggregation: 'last', downsamplingApplied: false },
    });
  });

  it('fields narrows the aggregated values; dataSourceIds narrows the sources', async () => {
    const { tenant, A, B, C } = await createFixture();
    const res = await queryOk(tenant, {
      dataSourceIds: [C, B],
      filters: { ...range, fields: ['humidity'] },
      aggregation: 'avg',
      groupBy: 'day',
    });
    expect(res.body).toEqual({
      data: [
        { timestamp: D1, dataSourceId: B, values: { humidity: 5 }, count: 2 },
        { timestamp: D2, dataSourceId: C, values: { humidity: 80 }, count: 3 },
      ],
      metadata: { count: 2, total: 2, hasMore: false, aggregation: 'avg', groupBy: 'day', downsamplingApplied: false },
    });
    expect(res.body.data.some((row: { dataSourceId: string }) => row.dataSourceId === A)).toBe(false);
  });
});

describe('POST /api/data/query: calendar intervals', () => {
  it('weeks start on Monday, months on the 1st, all in UTC', async () => {
    const tenant = await createTenantWithRetention();
    const S = await createSource(tenant);
    await ingest(tenant, [
      { dataSourceId: S, timestamp: '2023-12-31T10:00:00.000Z', values: { temperature: 1 } }, // Sunday
      { dataSourceId: S, timestamp: '2024-01-01T00:00:00.000Z', values: { temperature: 2 } }, // Monday
      { dataSourceId: S, timestamp: '2024-01-07T23:59:59.999Z', values: { temperature: 4 } }, // Sunday
      { dataSourceId: S, timestamp: '2024-01-08T00:00:00.000Z', values: { temperature: 8 } }, // Monday
      { dataSourceId: S, timestamp: '2024-01-31T23:59:59.999Z', values: { temperature: 16 } }, // Wednesday
      { dataSourceId: S, timestamp: '2024-02-01T01:00:00.000+01:00', values: { temperature: 32 } }, // = 2024-02-01T00:00Z, Thursday
      { dataSourceId: S, timestamp: '2024-02-29T12:00:00.000Z', values: { temperature: 64 } }, // leap day, Thursday
    ]);
    const row = (timestamp: string, temperature: number, count: number) => ({ timestamp, dataSourceId: S, values: { temperature }, count });

    const week = await queryOk(tenant, { dataSourceId: S, aggregation: 'sum', groupBy: 'week' });
    expect(week.body).toEqual({
      data: [
        row('2023-12-25T00:00:00.000Z', 1, 1),
        row('2024-01-01T00:00:00.000Z', 6, 2),
        row('2024-01-08T00:00:00.000Z', 8, 1),
        row('2024-01-29T00:00:00.000Z', 48, 2),
        row('2024-02-26T00:00:00.000Z', 64, 1),
      ],
      metadata: { count: 5, total: 5, hasMore: false, aggregation: 'sum', groupBy: 'week', downsamplingApplied: false },
    });

    const month = await queryOk(tenant, { dataSourceId: S, aggregation: 'sum', groupBy: 'month' });
    expect(month.body).toEqual({
      data: [row('2023-12-01T00:00:00.000Z', 1, 1), row('2024-01-01T00:00:00.000Z', 30, 4), row('2024-02-01T00:00:00.000Z', 96, 2)],
      metadata: { count: 3, total: 3, hasMore: false, aggregation: 'sum', groupBy: 'month', downsamplingApplied: false },
    });

    const day = await queryOk(tenant, { dataSourceId: S, filters: { order: 'desc' }, aggregation: 'max', groupBy: 'day' });
    expect(day.body).toEqual({
      data: [
        row('2024-02-29T00:00:00.000Z', 64, 1),
        row('2024-02-01T00:00:00.000Z', 32, 1),
        row('2024-01-31T00:00:00.000Z', 16, 1),
        row('2024-01-08T00:00:00.000Z', 8, 1),
        row('2024-01-07T00:00:00.000Z', 4, 1),
        row('2024-01-01T00:00:00.000Z', 2, 1),
        row('2023-12-31T00:00:00.000Z', 1, 1),
      ],
      metadata: { count: 7, total: 7, hasMore: false, aggregation: 'max', groupBy: 'day', downsamplingApplied: false },
    });
  });
});

// ---------------------------------------------------------------------------------------
// Raw queries
// ---------------------------------------------------------------------------------------

describe('POST /api/data/query: raw points', () => {
  async function createRawFixture() {
    const tenant = await createTenantWithRetention();
    const A = await createSource(tenant);
    const B = await createSource(tenant);
    const C = await createSource(tenant);
    const points: PointIn[] = [
      {
        dataSourceId: A,
        timestamp: '2024-03-01T10:00:00.000Z',
        values: { temperature: 1, label: 'x' },
        metadata: { room: 'kitchen', floor: 1 },
      },
      { dataSourceId: A, timestamp: '2024-03-01T10:01:00.000Z', values: { temperature: 2 }, metadata: { room: 'hall' } },
      {
        dataSourceId: A,
        timestamp: '2024-03-01T10:02:00.000Z',
        values: { temperature: 3, humidity: 30 },
        metadata: { room: 'kitchen', floor: 2 },
      },
      { dataSourceId: A, timestamp: '2024-03-01T10:03:00.000Z', values: { label: 'y' }, metadata: { room: 'kitchen', floor: 1 } },
      { dataSourceId: A, timestamp: '2024-03-01T10:04:00.000Z', values: { temperature: 5 } },
      { dataSourceId: B, timestamp: '2024-03-01T10:00:30.000Z', values: { temperature: 100 } },
      { dataSourceId: B, timestamp: '2024-03-01T10:02:30.000Z', values: { temperature: 300 }, metadata: { room: 'kitchen' } },
      { dataSourceId: C, timestamp: '2024-03-01T10:01:30.000Z', values: { temperature: 1000 } },
    ];
    await ingest(tenant, [...points].reverse());
    const stored = await DataPointModel.find({ bucketId: new Types.ObjectId(tenant.bucketId) }).lean();
    const idOf = (dataSourceId: string, timestamp: string) =>
      stored
        .find((point) => point.dataSourceId.toHexString() === dataSourceId && point.timestamp.toISOString() === timestamp)!
        ._id.toHexString();
    // The expected raw item of each point, by its place in `points`.
    const item = points.map((point) => ({
      _id: idOf(point.dataSourceId, point.timestamp),
      dataSourceId: point.dataSourceId,
      timestamp: point.timestamp,
      values: point.values,
      metadata: point.metadata ?? {},
    }));
    const [a1, a2, a3, a4, a5, b1, b2, c1] = item as [
      (typeof item)[0],
      (typeof item)[0],
      (typeof item)[0],
      (typeof item)[0],
      (typeof item)[0],
      (typeof item)[0],
      (typeof item)[0],
      (typeof item)[0],
    ];
    return { tenant, A, B, C, a1, a2, a3, a4, a5, b1, b2, c1 };
  }

  const rawMeta = (count: number, total: number, hasMore: boolean) => ({ count, total, hasMore, downsamplingApplied: false });

  it('range is half-open: startTime included, endTime excluded; raw items have the documented shape', async () => {
    const { tenant, A, a2, a3 } = await createRawFixture();
    const res = await queryOk(tenant, {
      dataSourceId: A,
      filters: { startTime: '2024-03-01T10:01:00Z', endTime: '2024-03-01T10:03:00.000Z' },
    });
    expect(res.body).toEqual({ data: [a2, a3], metadata: rawMeta(2, 2, false) });
    // An offset in the request means the same instant.
    const offset = await queryOk(tenant, {
      dataSourceId: A,
      filters: { startTime: '2024-03-01T11:01:00+01:00', endTime: '2024-03-01T11:03:00+01:00' },
    });
    expect(offset.body).toEqual(res.body);
  });

  it('orders ascending by default and descending on request', async () => {
    const { tenant, A, a1, a2, a3, a4, a5 } = await createRawFixture();
    const asc = await queryOk(tenant, { dataSourceId: A });
    expect(asc.body).toEqual({ data: [a1, a2, a3, a4, a5], metadata: rawMeta(5, 5, false) });
    const desc = await queryOk(tenant, { dataSourceId: A, filters: { order: 'desc' } });
    expect(desc.body).toEqual({ data: [a5, a4, a3, a2, a1], metadata: rawMeta(5, 5, false) });
  });

  it('pages with limit and offset, reporting total and hasMore', async () => {
    const { tenant, A, a2, a3, a4, a5 } = await createRawFixture();
    expect((await queryOk(tenant, { dataSourceId: A, filters: { limit: 2, offset: 1 } })).body).toEqual({
      data: [a2, a3],
      metadata: rawMeta(2, 5, true),
    });
    expect((await queryOk(tenant, { dataSourceId: A, filters: { limit: 2, offset: 3 } })).body).toEqual({
      data: [a4, a5],
      metadata: rawMeta(2, 5, false),
    });
    expect((await queryOk(tenant, { dataSourceId: A, filters: { limit: 2, offset: 1, order: 'desc' } })).body).toEqual({
      data: [a4, a3],
      metadata: rawMeta(2, 5, true),
    });
    expect((await queryOk(tenant, { dataSourceId: A, filters: { offset: 10 } })).body).toEqual({
      data: [],
      metadata: rawMeta(0, 5, false),
    });
  });

  it('fields keeps only those fields in values', async () => {
    const { tenant, A, a1, a2, a3, a4, a5 } = await createRawFixture();
    const res = await queryOk(tenant, { dataSourceId: A, filters: { fields: ['temperature'] } });
    expect(res.body).toEqual({
      data: [
        { ...a1, values: { temperature: 1 } },
        { ...a2, values: { temperature: 2 } },
        { ...a3, values: { temperature: 3 } },
        { ...a4, values: {} },
        { ...a5, values: { temperature: 5 } },
      ],
      metadata: rawMeta(5, 5, false),
    });
    const two = await queryOk(tenant, { dataSourceId: A, filters: { fields: ['label', 'humidity'], limit: 3 } });
    expect(two.body).toEqual({
      data: [
        { ...a1, values: { label: 'x' } },
        { ...a2, values: {} },
        { ...a3, values: { humidity: 30 } },
      ],
      metadata: rawMeta(3, 5, true),
    });
  });

  it('metadata filters by equality on every given key', async () => {
    const { tenant, A, a1, a3, a4, b2 } = await createRawFixture();
    expect((await queryOk(tenant, { dataSourceId: A, filters: { metadata: { room: 'kitchen' } } })).body).toEqual({
      data: [a1, a3, a4],
      metadata: rawMeta(3, 3, false),
    });
    expect((await queryOk(tenant, { dataSourceId: A, filters: { metadata: { room: 'kitchen', floor: 1 } } })).body).toEqual({
      data: [a1, a4],
      metadata: rawMeta(2, 2, false),
    });
    expect((await queryOk(tenant, { filters: { metadata: { room: 'kitchen' } } })).body).toEqual({
      data: [a1, a3, b2, a4],
      metadata: rawMeta(4, 4, false),
    });
    expect((await queryOk(tenant, { filters: { metadata: { room: 'attic' } } })).body).toEqual({
      data: [],
      metadata: rawMeta(0, 0, false),
    });
  });

  it('dataSourceIds selects several data sources; none given means all of the bucket', async () => {
    const { tenant, A, B, a1, a2, a3, a4, a5, b1, b2, c1 } = await createRawFixture();
    expect((await queryOk(tenant, { dataSourceIds: [B, A] })).body).toEqual({
      data: [a1, b1, a2, a3, b2, a4, a5],
      metadata: rawMeta(7, 7, false),
    });
    expect((await queryOk(tenant, {})).body).toEqual({
      data: [a1, b1, a2, c1, a3, b2, a4, a5],
      metadata: rawMeta(8, 8, false),
    });
    expect((await queryOk(tenant, { filters: { order: 'desc', limit: 3 } }, tenant.writeKey)).body).toEqual({
      data: [a5, a4, b2],
      metadata: rawMeta(3, 8, true),
    });
  });
});

// ---------------------------------------------------------------------------------------
// Auto-downsampling
// ---------------------------------------------------------------------------------------

const T0 = Date.parse('2024-05-06T00:00:00.000Z');

describe('POST /api/data/query: auto-downsampling', () => {
  it('averages by minute when more than 500 points fall into at most 500 minutes', async () => {
    const tenant = await createTenantWithRetention();
    const S = await createSource(tenant);
    // 600 points over 100 minutes: 6 per minute, temperature = minute * 10 + 0..5.
    const points = Array.from({ length: 600 }, (_, i) => ({
      dataSourceId: S,
      timestamp: iso(T0 + i * 10_000),
      values: { temperature: Math.floor(i / 6) * 10 + (i % 6), label: 'x' },
    }));
    await ingest(tenant, points);
    const minuteRows = Array.from({ length: 100 }, (_, m) => ({
      timestamp: iso(T0 + m * 60_000),
      dataSourceId: S,
      values: { temperature: m * 10 + 2.5 },
      count: 6,
    }));

    // Range = first..last point: 100 minutes.
    const res = await queryOk(tenant, { dataSourceId: S });
    expect(res.body).toEqual({
      data: minuteRows,
      metadata: { count: 100, total: 100, hasMore: false, aggregation: 'avg', groupBy: 'minute', downsamplingApplied: true },
    });

    // An explicit range of exactly 500 minutes still gives 500 intervals: minute.
    const exact = await queryOk(tenant, { dataSourceIds: [S], filters: { startTime: iso(T0), endTime: iso(T0 + 500 * 60_000) } });
    expect(exact.body).toEqual(res.body);

    // 501 minutes is too many: hour (2 hours hold points).
    const longer = await queryOk(tenant, { dataSourceId: S, filters: { startTime: iso(T0), endTime: iso(T0 + 501 * 60_000) } });
    expect(longer.body).toEqual({
      data: [
        // Minutes 0-59: 360 points, temperature average 295 + 2.5; minutes 60-99: 240 points, average 795 + 2.5.
        { timestamp: iso(T0), dataSourceId: S, values: { temperature: 297.5 }, count: 360 },
        { timestamp: iso(T0 + 3_600_000), dataSourceId: S, values: { temperature: 797.5 }, count: 240 },
      ],
      metadata: { count: 2, total: 2, hasMore: false, aggregation: 'avg', groupBy: 'hour', downsamplingApplied: true },
    });

    // Explicit aggregation or groupBy: never downsampled.
    const explicitGroup = await queryOk(tenant, { dataSourceId: S, groupBy: 'hour', filters: { limit: 1 } });
    expect(explicitGroup.body).toEqual({
      data: [{ timestamp: iso(T0), dataSourceId: S, values: { temperature: 297.5 }, count: 360 }],
      metadata: { count: 1, total: 2, hasMore: true, aggregation: 'avg', groupBy: 'hour', downsamplingApplied: false },
    });
    const explicitAggregation = await queryOk(tenant, { dataSourceId: S, aggregation: 'max' });
    expect(explicitAggregation.body).toEqual({
      data: [{ timestamp: iso(T0), dataSourceId: S, values: { temperature: 995 }, count: 600 }],
      metadata: { count: 1, total: 1, hasMore: false, aggregation: 'max', downsamplingApplied: false },
    });
    const explicitMinute = await queryOk(tenant, { dataSourceId: S, filters: { groupBy: 'minute', limit: 2, order: 'desc' } });
    expect(explicitMinute.body).toEqual({
      data: [minuteRows[99], minuteRows[98]],
      metadata: { count: 2, total: 100, hasMore: true, aggregation: 'avg', groupBy: 'minute', downsamplingApplied: false },
    });
  });

  it('averages by hour when the points span more than 500 minutes', async () => {
    const tenant = await createTenantWithRetention();
    const S = await createSource(tenant);
    // 600 points, one a minute for 10 hours: temperature = minute within the hour + 100 * hour.
    const points = Array.from({ length: 600 }, (_, i) => ({
      dataSourceId: S,
      timestamp: iso(T0 + i * 60_000),
      values: { temperature: Math.floor(i / 60) * 100 + (i % 60) },
    }));
    await ingest(tenant, points);
    const res = await queryOk(tenant, { dataSourceId: S });
    expect(res.body).toEqual({
      data: Array.from({ length: 10 }, (_, h) => ({
        timestamp: iso(T0 + h * 3_600_000),
        dataSourceId: S,
        values: { temperature: h * 100 + 29.5 },
        count: 60,
      })),
      metadata: { count: 10, total: 10, hasMore: false, aggregation: 'avg', groupBy: 'hour', downsamplingApplied: true },
    });
    // Order and paging apply to the downsampled rows.
    const page = await queryOk(tenant, { dataSourceId: S, filters: { order: 'desc', limit: 2, offset: 1 } });
    expect(page.body).toEqual({
      data: [
        { timestamp: iso(T0 + 8 * 3_600_000), dataSourceId: S, values: { temperature: 829.5 }, count: 60 },
        { timestamp: iso(T0 + 7 * 3_600_000), dataSourceId: S, values: { temperature: 729.5 }, count: 60 },
      ],
      metadata: { count: 2, total: 10, hasMore: true, aggregation: 'avg', groupBy: 'hour', downsamplingApplied: true },
    });
  });

  it('does not downsample exactly 500 points', async () => {
    const tenant = await createTenantWithRetention();
    const S = await createSource(tenant);
    const points = Array.from({ length: 500 }, (_, i) => ({ dataSourceId: S, timestamp: iso(T0 + i * 1000), values: { temperature: i } }));
    await ingest(tenant, points);
    const res = await queryOk(tenant, { dataSourceId: S });
    expect(res.body.metadata).toEqual({ count: 500, total: 500, hasMore: false, downsamplingApplied: false });
    expect(res.body.data).toHaveLength(500);
    expect(res.body.data[0]).toEqual({
      _id: expect.stringMatching(/^[0-9a-f]{24}$/),
      dataSourceId: S,
      timestamp: iso(T0),
      values: { temperature: 0 },
      metadata: {},
    });
    expect(res.body.data[499]).toMatchObject({ timestamp: iso(T0 + 499_000), values: { temperature: 499 } });
  });

  it('does not downsample a data source created with downsampling: false', async () => {
    const tenant = await createTenantWithRetention();
    const S = await createSource(tenant, { downsampling: false });
    const points = Array.from({ length: 501 }, (_, i) => ({ dataSourceId: S, timestamp: iso(T0 + i * 1000), values: { temperature: i } }));
    await ingest(tenant, points);
    const res = await queryOk(tenant, { dataSourceId: S });
    expect(res.body.metadata).toEqual({ count: 501, total: 501, hasMore: false, downsamplingApplied: false });
    expect(res.body.data[500]).toMatchObject({ dataSourceId: S, timestamp: iso(T0 + 500_000), values: { temperature: 500 } });
    const paged = await queryOk(tenant, { dataSourceId: S, filters: { limit: 10 } });
    expect(paged.body.metadata).toEqual({ count: 10, total: 501, hasMore: true, downsamplingApplied: false });
  });

  it('does not downsample when one of the requested data sources has downsampling: false', async () => {
    const tenant = await createTenantWithRetention();
    const on = await createSource(tenant);
    const off = await createSource(tenant, { downsampling: false });
    const points = [
      ...Array.from({ length: 501 }, (_, i) => ({ dataSourceId: on, timestamp: iso(T0 + i * 1000), values: { temperature: i } })),
      { dataSourceId: off, timestamp: iso(T0 + 1500), values: { temperature: -1 } },
    ];
    await ingest(tenant, points);
    const mixed = await queryOk(tenant, { dataSourceIds: [on, off] });
    expect(mixed.body.metadata).toEqual({ count: 502, total: 502, hasMore: false, downsamplingApplied: false });
    expect(mixed.body.data[2]).toMatchObject({ dataSourceId: off, timestamp: iso(T0 + 1500), values: { temperature: -1 } });
    // All sources of the bucket (none named) include the one without downsampling too.
    const all = await queryOk(tenant, {});
    expect(all.body.metadata).toEqual({ count: 502, total: 502, hasMore: false, downsamplingApplied: false });
    // The downsampling source alone: 501 points over 501 seconds, 9 minutes.
    const alone = await queryOk(tenant, { dataSourceIds: [on] });
    expect(alone.body.metadata).toEqual({
      count: 9,
      total: 9,
      hasMore: false,
      aggregation: 'avg',
      groupBy: 'minute',
      downsamplingApplied: true,
    });
    expect(alone.body.data[0]).toEqual({ timestamp: iso(T0), dataSourceId: on, values: { temperature: 29.5 }, count: 60 });
    expect(alone.body.data[8]).toEqual({ timestamp: iso(T0 + 8 * 60_000), dataSourceId: on, values: { temperature: 490 }, count: 21 });
  });
});

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

describe('POST /api/data/query: errors', () => {
  it('answers 404 Data source not found for an unknown data source or one of another bucket', async () => {
    const tenant = await createTenantWithRetention();
    const S = await createSource(tenant);
    const otherBucket = await createBucketWithRetention(tenant.adminKey, 30);
    const foreign = await createSource(tenant, { bucketId: otherBucket });
    expectNotFound(await query(tenant, { dataSourceId: objectId() }), 'Data source not found');
    expectNotFound(await query(tenant, { dataSourceId: foreign }), 'Data source not found');
    expectNotFound(await query(tenant, { dataSourceIds: [S, foreign] }), 'Data source not found');
    expectNotFound(await query(tenant, { dataSourceIds: [S, objectId()] }, tenant.adminKey), 'Data source not found');
    expectNotFound(await query(tenant, { dataSourceId: foreign, aggregation: 'avg', groupBy: 'day' }), 'Data source not found');
    // The same source named twice is still that one source.
    expect((await query(tenant, { dataSourceIds: [S, S] })).status).toBe(200);
  });

  it('rejects invalid parameters with 400 naming the path', async () => {
    const tenant = await createTenantWithRetention();
    const S = await createSource(tenant);
    const cases: [object, (string | number)[]][] = [
      [{ dataSourceId: S, dataSourceIds: [S] }, ['body', 'dataSourceIds']],
      [{ filters: { startTime: '2024-01-02T00:00:00Z', endTime: '2024-01-02T00:00:00Z' } }, ['body', 'filters', 'endTime']],
      [{ filters: { startTime: '2024-01-02T00:00:00Z', endTime: '2024-01-01T00:00:00Z' } }, ['body', 'filters', 'endTime']],
      [{ filters: { limit: 0 } }, ['body', 'filters', 'limit']],
      [{ filters: { limit: 10001 } }, ['body', 'filters', 'limit']],
      [{ filters: { limit: 1.5 } }, ['body', 'filters', 'limit']],
      [{ filters: { limit: '10' } }, ['body', 'filters', 'limit']],
      [{ filters: { offset: -1 } }, ['body', 'filters', 'offset']],
      [{ filters: { order: 'up' } }, ['body', 'filters', 'order']],
      [{ aggregation: 'median' }, ['body', 'aggregation']],
      [{ groupBy: 'year' }, ['body', 'groupBy']],
      [{ filters: { aggregation: 'mean' } }, ['body', 'filters', 'aggregation']],
      [{ filters: { groupBy: 'second' } }, ['body', 'filters', 'groupBy']],
      [{ filters: { startTime: 'yesterday' } }, ['body', 'filters', 'startTime']],
      [{ filters: { startTime: '2024-01-01T00:00:00' } }, ['body', 'filters', 'startTime']],
      [{ filters: { fields: [] } }, ['body', 'filters', 'fields']],
      [{ filters: { metadata: { room: { $ne: 'x' } } } }, ['body', 'filters', 'metadata', 'room']],
      [{ dataSourceId: 'nope' }, ['body', 'dataSourceId']],
      [{ dataSourceIds: [] }, ['body', 'dataSourceIds']],
      [{ aggregation: 'avg', filters: { aggregation: 'max' } }, ['body', 'filters', 'aggregation']],
    ];
    for (const [body, path] of cases) {
      const res = await query(tenant, body);
      try {
        expectValidationErrorAt(res, path);
      } catch (error) {
        throw new Error(`${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}\n${(error as Error).message}`);
      }
    }
    // An unknown key in filters (or at the top level) is refused, not ignored.
    const unknownFilter = await query(tenant, { filters: { dataSourceId: S } });
    expect(unknownFilter.status).toBe(400);
    expect(unknownFilter.body).toMatchObject({ error: 'Validation Error', message: 'Invalid request parameters' });
    expect(JSON.stringify(unknownFilter.body.details)).toContain('filters');
    const unknownTop = await query(tenant, { where: { temperature: 1 } });
    expect(unknownTop.status).toBe(400);
    expect(unknownTop.body.error).toBe('Validation Error');
  });

  it('lets read, write and admin keys query; a read key of another bucket gets 404 Bucket not found', async () => {
    const tenant = await createTenantWithRetention();
    const S = await createSource(tenant);
    await ingest(tenant, [{ dataSourceId: S, timestamp: '2024-01-01T00:00:00Z', values: { temperature: 1 } }]);
    for (const key of [tenant.readKey, tenant.writeKey, tenant.adminKey]) {
      const res = await query(tenant, { dataSourceId: S }, key).expect(200);
      expect(res.body.metadata).toEqual({ count: 1, total: 1, hasMore: false, downsamplingApplied: false });
    }
    const other = await createTenant(app());
    expectNotFound(await query(tenant, { dataSourceId: S }, other.readKey), 'Bucket not found');
    // Another bucket of the same organization too.
    const sibling = await createBucketWithRetention(tenant.adminKey, 30);
    const siblingRead = await createBucketKey(app(), tenant.adminKey, sibling, 'read');
    expectNotFound(await query(tenant, { dataSourceId: S }, siblingRead.key), 'Bucket not found');
    // And an unknown bucket.
    const unknown = await app().http.post('/api/data/query').set('X-API-Key', tenant.adminKey).send({ bucketId: objectId() });
    expectNotFound(unknown, 'Bucket not found');
  });
});

// ---------------------------------------------------------------------------------------
// DELETE /api/data
// ---------------------------------------------------------------------------------------

describe('DELETE /api/data', () => {
  const countIn = (bucketId: string, filter: object = {}) =>
    DataPointModel.countDocuments({ bucketId: new Types.ObjectId(bucketId), ...filter });

  it('deletes the half-open range, of one data source when given, leaving other buckets alone', async () => {
    const tenant = await createTenantWithRetention();
    const A = await createSource(tenant);
    const B = await createSource(tenant);
    const otherBucket = await createBucketWithRetention(tenant.adminKey, 3650);
    const O = await createSource(tenant, { bucketId: otherBucket });
    const times = ['2024-01-01T00:00:00.000Z', '2024-01-01T01:00:00.000Z', '2024-01-01T02:00:00.000Z', '2024-01-01T03:00:00.000Z'];
    await ingest(tenant, [
      ...times.map((timestamp) => ({ dataSourceId: A, timestamp, values: { temperature: 1 } })),
      ...times.map((timestamp) => ({ dataSourceId: B, timestamp, values: { temperature: 2 } })),
    ]);
    const otherWrite = await createBucketKey(app(), tenant.adminKey, otherBucket, 'write');
    await ingest(
      { ...tenant, writeKey: otherWrite.key },
      times.map((timestamp) => ({ dataSourceId: O, timestamp, values: { temperature: 3 } })),
      otherBucket,
    );

    // Only A, [00:00, 02:00): 2 points; 02:00 itself stays.
    const onlyA = await app()
      .http.delete('/api/data')
      .set('X-API-Key', tenant.writeKey)
      .send({ bucketId: tenant.bucketId, dataSourceId: A, startTime: '2024-01-01T00:00:00Z', endTime: '2024-01-01T02:00:00Z' })
      .expect(200);
    expect(onlyA.body).toEqual({ message: 'Data deleted successfully', deleted: 2 });
    expect(await countIn(tenant.bucketId, { dataSourceId: new Types.ObjectId(A) })).toBe(2);
    expect(await countIn(tenant.bucketId, { dataSourceId: new Types.ObjectId(B) })).toBe(4);
    const left = await queryOk(tenant, { dataSourceId: A });
    expect(left.body.data.map((point: { timestamp: string }) => point.timestamp)).toEqual([times[2], times[3]]);

    // Every source, [01:00, 03:00): A 02:00, B 01:00 and 02:00.
    const all = await app()
      .http.delete('/api/data')
      .set('X-API-Key', tenant.adminKey)
      .send({ bucketId: tenant.bucketId, startTime: '2024-01-01T01:00:00Z', endTime: '2024-01-01T03:00:00.000Z' })
      .expect(200);
    expect(all.body).toEqual({ message: 'Data deleted successfully', deleted: 3 });
    const rest = await queryOk(tenant, {});
    expect(rest.body.data.map((point: { dataSourceId: string; timestamp: string }) => [point.dataSourceId, point.timestamp])).toEqual([
      [B, times[0]],
      [A, times[3]],
      [B, times[3]],
    ]);

    // Nothing left in the range: deleted 0.
    const none = await app()
      .http.delete('/api/data')
      .set('X-API-Key', tenant.writeKey)
      .send({ bucketId: tenant.bucketId, startTime: '2024-01-01T01:00:00Z', endTime: '2024-01-01T03:00:00Z' })
      .expect(200);
    expect(none.body).toEqual({ message: 'Data deleted successfully', deleted: 0 });

    // The other bucket kept all of its points.
    expect(await countIn(otherBucket)).toBe(4);
  });

  it('refuses read keys with 403 and bad bodies with 400, deleting nothing', async () => {
    const tenant = await createTenantWithRetention();
    const A = await createSource(tenant);
    await ingest(tenant, [{ dataSourceId: A, timestamp: '2024-01-01T00:00:00Z', values: { temperature: 1 } }]);
    const body = { bucketId: tenant.bucketId, startTime: '2023-01-01T00:00:00Z', endTime: '2025-01-01T00:00:00Z' };

    const forbidden = await app().http.delete('/api/data').set('X-API-Key', tenant.readKey).send(body);
    expectError(forbidden, 403, 'Forbidden', 'Only Admin and Write keys can delete data');

    const { startTime: _startTime, ...withoutStart } = body;
    expectValidationErrorAt(await app().http.delete('/api/data').set('X-API-Key', tenant.writeKey).send(withoutStart), [
      'body',
      'startTime',
    ]);
    const { endTime: _endTime, ...withoutEnd } = body;
    expectValidationErrorAt(await app().http.delete('/api/data').set('X-API-Key', tenant.writeKey).send(withoutEnd), ['body', 'endTime']);
    expectValidationErrorAt(
      await app()
        .http.delete('/api/data')
        .set('X-API-Key', tenant.writeKey)
        .send({ ...body, endTime: body.startTime }),
      ['body', 'endTime'],
    );
    expectNotFound(
      await app()
        .http.delete('/api/data')
        .set('X-API-Key', tenant.writeKey)
        .send({ ...body, dataSourceId: objectId() }),
      'Data source not found',
    );
    const other = await createTenant(app());
    expectNotFound(await app().http.delete('/api/data').set('X-API-Key', other.writeKey).send(body), 'Bucket not found');

    expect(await countIn(tenant.bucketId)).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------
// Retention
// ---------------------------------------------------------------------------------------

describe('retention', () => {
  it('hides expired points from queries at once, and the job deletes exactly those, bucket by bucket', async () => {
    const tenant = await createTenantWithRetention(1);
    const S = await createSource(tenant);
    const longBucket = await createBucketWithRetention(tenant.adminKey, 3650);
    const L = await createSource(tenant, { bucketId: longBucket });
    const longWrite = await createBucketKey(app(), tenant.adminKey, longBucket, 'write');
    const longRead = await createBucketKey(app(), tenant.adminKey, longBucket, 'read');

    const now = Date.now();
    const twoDaysAgo = now - 2 * 86_400_000;
    const old = Array.from({ length: 5 }, (_, i) => ({
      dataSourceId: S,
      timestamp: iso(twoDaysAgo + i * 60_000),
      values: { temperature: i },
    }));
    const recent = [
      { dataSourceId: S, timestamp: iso(now - 3_600_000), values: { temperature: 10 } },
      { dataSourceId: S, timestamp: iso(now - 60_000), values: { temperature: 11 } },
    ];
    await ingest(tenant, [...old, ...recent]);
    const longOld = old.map((point) => ({ ...point, dataSourceId: L }));
    await ingest({ ...tenant, writeKey: longWrite.key }, longOld, longBucket);

    // Before the job ran: the expired points are stored but never returned.
    expect(await DataPointModel.countDocuments({ bucketId: new Types.ObjectId(tenant.bucketId) })).toBe(7);
    const raw = await queryOk(tenant, { dataSourceId: S });
    expect(raw.body.data.map((point: { timestamp: string }) => point.timestamp)).toEqual(recent.map((point) => point.timestamp));
    expect(raw.body.metadata).toEqual({ count: 2, total: 2, hasMore: false, downsamplingApplied: false });
    const ranged = await queryOk(tenant, { filters: { startTime: iso(now - 3 * 86_400_000) } });
    expect(ranged.body.metadata.total).toBe(2);
    const aggregated = await queryOk(tenant, { dataSourceId: S, aggregation: 'count' });
    expect(aggregated.body.data).toEqual([{ timestamp: recent[0]!.timestamp, dataSourceId: S, values: { temperature: 2 }, count: 2 }]);
    // The long-retention bucket returns its equally old points.
    const longQuery = await queryOk({ ...tenant, bucketId: longBucket }, { dataSourceId: L }, longRead.key);
    expect(longQuery.body.metadata.total).toBe(5);

    // The job, in batches of 2.
    const deleted = await enforceRetention(2);
    expect(deleted).toBe(5);
    const remaining = await DataPointModel.find({ bucketId: new Types.ObjectId(tenant.bucketId) })
      .sort({ timestamp: 1 })
      .lean();
    expect(remaining.map((point) => point.timestamp.toISOString())).toEqual(recent.map((point) => point.timestamp));
    expect(await DataPointModel.countDocuments({ bucketId: new Types.ObjectId(longBucket) })).toBe(5);

    // Running it again finds nothing more.
    expect(await enforceRetention(2)).toBe(0);
    expect((await queryOk(tenant, { dataSourceId: S })).body.data).toHaveLength(2);
  });
});
