import fc from 'fast-check';
import type { Route } from '../src/http/route';
import { routeTable } from '../src/http/routeTable';
import { generateKey } from '../src/modules/keys/keyFormat';
import { expectErrorEnvelope, expectNoServerErrorsAfterEach, serverErrorLines } from './support/assertions';
import { base62, deeplyNested, headerSafe, latin1Char, nearKey, rawJson, wellFormedKey } from './support/arbitraries';
import {
  createExampleWorld,
  exampleFor,
  expectRegistryCoversRouteTable,
  fixtureFor,
  pathFor,
  routeExamples,
  routeId,
  routeLabel,
  takesIdempotencyKey,
  type ExampleWorld,
  type RandomIds,
} from './support/routeExamples';
import { createBucketKey, createOrganization, objectId, uniqueName } from './support/tenants';
import { useTestApp } from './support/testApp';

/**
 * Property-based tests (fast-check) through the real app: random bodies (from the routes'
 * random bodies in test/support/routeExamples.ts) and random keys, and metamorphic
 * properties of aggregation (what the server sums, counts, and takes the min/max/avg of is
 * what JavaScript computes from the same points). The pure properties of the key format and
 * the validators are in pureProperties.test.ts.
 * Run counts are kept modest so the file stays well under a minute on the embedded database.
 */

// Rate limits are not under test here: hundreds of requests must not turn into 429s.
const app = useTestApp({ RATE_LIMIT_PER_IP: '1000000', RATE_LIMIT_PER_KEY: '1000000' });

// The error handler logs every 5xx before it answers; none may have happened.
expectNoServerErrorsAfterEach(app);

// ---------------------------------------------------------------------------------------
// 1. Random bodies never 5xx, random keys always 401
// ---------------------------------------------------------------------------------------

const documentedStatuses = [200, 201, 400, 404, 409, 413, 415];

describe('random bodies through the real app', () => {
  let world: ExampleWorld;

  beforeAll(async () => {
    world = await createExampleWorld(app());
  });

  it('has an example for every route of the route table', () => {
    expectRegistryCoversRouteTable();
  });

  /** The routes whose random bodies go to the real app (`randomOverHttp` in test/support/routeExamples.ts). */
  const targets = routeTable.filter((route) => routeExamples[routeId(route)]?.randomOverHttp);

  // The arbitraries need the world's IDs, which exist only once beforeAll ran.
  const idsOf = (w: ExampleWorld): RandomIds => ({
    // IDs may come in upper case: they are hex, and must still name the same things.
    bucketId: () => fc.constantFrom(w.tenant.bucketId, w.tenant.bucketId, w.tenant.bucketId.toUpperCase()),
    sourceId: () =>
      fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(w.sourceId, w.sourceId, w.sourceId.toUpperCase()) },
        { weight: 1, arbitrary: fc.constant(null).map(objectId) },
      ),
  });
  /** A small pool, so keys repeat: the same key with another body must be a 409, not a 500. */
  const idempotencyKey = fc.option(fc.constantFrom('retry-1', 'retry-2', 'retry-3', 'has space', 'x'.repeat(256)), { freq: 2 });

  /** Any top-level JSON text, an object of the route's fields, or something nested very deeply. */
  const anyBody = (route: Route) => {
    const randomBody = exampleFor(route).randomBody;
    if (!randomBody) throw new Error(`"${routeId(route)}" has randomOverHttp but no randomBody in test/support/routeExamples.ts`);
    return fc.oneof(
      { weight: 1, arbitrary: rawJson },
      { weight: 1, arbitrary: deeplyNested },
      { weight: 6, arbitrary: randomBody(idsOf(world)) },
    );
  };

  it.each(targets.map((route) => [routeLabel(route), route] as const))(
    '%s: never 5xx, always a documented status, errors in the §2 envelope',
    async (_name, route) => {
      const path = pathFor(route, fixtureFor(world));
      const idempotent = takesIdempotencyKey(route);
      await fc.assert(
        fc.asyncProperty(anyBody(route), idempotencyKey, async (body, retryKey) => {
          const failuresBefore = serverErrorLines(app()).length;
          const req = app().http[route.method](path).set('X-API-Key', world.tenant.adminKey).set('Content-Type', 'application/json');
          if (idempotent && retryKey !== null) req.set('Idempotency-Key', retryKey);
          const res = await req.send(body);
          expect({ status: res.status, documented: documentedStatuses.includes(res.status), body: res.body as unknown }).toMatchObject({
            documented: true,
          });
          if (res.status < 300) {
            expect(res.status).toBe(route.response.status);
            // A success must be what the route documents (the same schema the OpenAPI document is made from).
            const documented = route.response.schema.safeParse(res.body);
            expect({ body: res.body as unknown, issues: documented.error?.issues ?? [] }).toMatchObject({ issues: [] });
          } else {
            expectErrorEnvelope(res);
          }
          expect(serverErrorLines(app())).toHaveLength(failuresBefore);
        }),
        { numRuns: 60 },
      );
    },
    60_000,
  );

  it('any X-API-Key other than the real key gets 401 with exactly the §1 body', async () => {
    const realKey = world.tenant.adminKey;
    const oneCharOff = fc
      .tuple(fc.nat({ max: realKey.length - 1 }), fc.constantFrom(...base62, '_', '-', ' '))
      .map(([index, char]) => realKey.slice(0, index) + char + realKey.slice(index + 1));
    const candidate = fc
      .oneof(
        fc.string(),
        fc.string({ unit: latin1Char, maxLength: 80 }),
        nearKey,
        fc.stringMatching(wellFormedKey),
        oneCharOff,
        fc.constantFrom(
          realKey.slice(0, -1),
          `${realKey}x`,
          realKey.toUpperCase(),
          `${realKey}, ${realKey}`,
          `Bearer ${realKey}`,
          `  ${realKey}\t`,
        ),
        fc.string({ unit: latin1Char, minLength: 60, maxLength: 4000 }),
        fc.constantFrom(generateKey('admin'), generateKey('write'), generateKey('read')),
      )
      .filter(headerSafe);
    await fc.assert(
      fc.asyncProperty(candidate, async (presented) => {
        const res = await app().http.get('/api/buckets').set('X-API-Key', presented);
        // Node strips a header value's surrounding spaces and tabs; the server trims too.
        if (presented.replace(/^[ \t]+|[ \t]+$/g, '') === realKey) {
          expect(res.status).toBe(200);
          return;
        }
        expect({ status: res.status, body: res.body as unknown }).toEqual({
          status: 401,
          body: { error: 'Unauthorized', message: 'Invalid or missing API key', requestId: res.headers['x-request-id'] },
        });
      }),
      { numRuns: 80 },
    );
  }, 60_000);
});

// ---------------------------------------------------------------------------------------
// 2. Metamorphic: the server's per-day sum and count equal JavaScript's
// ---------------------------------------------------------------------------------------

describe('aggregation matches a computation in JavaScript', () => {
  let adminKey: string;
  let bucketId: string;
  let writeKey: string;

  beforeAll(async () => {
    const organization = await createOrganization(app());
    adminKey = organization.adminKey;
    const res = await app()
      .http.post('/api/buckets')
      .set('X-API-Key', adminKey)
      .send({ name: uniqueName('bucket'), retentionDays: 3650 })
      .expect(201);
    bucketId = res.body.bucket._id as string;
    writeKey = (await createBucketKey(app(), adminKey, bucketId, 'write')).key;
  });

  const dayMs = 86_400_000;
  const yearStart = Date.UTC(2024, 0, 1);
  const finite = fc.oneof(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true }));
  // Half the timestamps fall in the same few days, so days hold several points.
  const timestamp = fc.oneof(
    fc.date({ min: new Date(yearStart), max: new Date(Date.UTC(2024, 11, 31, 23, 59, 59, 999)), noInvalidDate: true }),
    fc
      .tuple(fc.integer({ min: 100, max: 103 }), fc.integer({ min: 0, max: dayMs - 1 }))
      .map(([day, ms]) => new Date(yearStart + day * dayMs + ms)),
  );
  const values = fc.record({ a: finite, b: finite }, { requiredKeys: [] }).filter((v) => Object.keys(v).length > 0);
  const points = fc.array(fc.record({ timestamp, values }), { minLength: 1, maxLength: 20 });

  type Point = { timestamp: Date; values: { a?: number; b?: number } };
  type Row = { timestamp: string; dataSourceId: string; values: Record<string, number | null>; count: number };
  const year = { startTime: '2024-01-01T00:00:00Z', endTime: '2025-01-01T00:00:00Z' };

  interface Day {
    points: number;
    sum: Record<string, number>;
    count: Record<string, number>;
    min: Record<string, number>;
    max: Record<string, number>;
  }

  /** Per UTC day, ascending: the points, and per field the sum, count, min and max over the points that have it. */
  function expectedDays(generated: Point[]): [string, Day][] {
    const days = new Map<string, Day>();
    for (const p of generated) {
      const day = `${p.timestamp.toISOString().slice(0, 10)}T00:00:00.000Z`;
      const entry = days.get(day) ?? { points: 0, sum: {}, count: {}, min: {}, max: {} };
      entry.points += 1;
      for (const [field, value] of Object.entries(p.values)) {
        entry.sum[field] = (entry.sum[field] ?? 0) + value;
        entry.count[field] = (entry.count[field] ?? 0) + 1;
        entry.min[field] = Math.min(entry.min[field] ?? Infinity, value);
        entry.max[field] = Math.max(entry.max[field] ?? -Infinity, value);
      }
      days.set(day, entry);
    }
    return [...days.entries()].sort(([x], [y]) => x.localeCompare(y));
  }

  /**
   * Runs `check` against a fresh data source holding the points (so runs cannot see each
   * other), then deletes the year and expects exactly the ingested points to go.
   */
  async function withPoints(generated: Point[], check: (dataSourceId: string) => Promise<void>): Promise<void> {
    const source = await app()
      .http.post(`/api/buckets/${bucketId}/sources`)
      .set('X-API-Key', adminKey)
      .send({ name: uniqueName('source'), schema: { a: 'number', b: 'number' }, downsampling: false })
      .expect(201);
    const dataSourceId = source.body.dataSource._id as string;
    let cleaned = false;
    try {
      const ingest = await app()
        .http.post('/api/data/batch')
        .set('X-API-Key', writeKey)
        .send({ bucketId, dataPoints: generated.map((p) => ({ dataSourceId, timestamp: p.timestamp.toISOString(), values: p.values })) });
      expect({ status: ingest.status, body: ingest.body as unknown }).toEqual({
        status: 201,
        body: { message: 'Batch ingested successfully', inserted: generated.length },
      });
      await check(dataSourceId);
      // Deleting the year removes exactly what was ingested.
      const removed = await app()
        .http.delete('/api/data')
        .set('X-API-Key', writeKey)
        .send({ bucketId, dataSourceId, ...year });
      expect({ status: removed.status, body: removed.body as unknown }).toEqual({
        status: 200,
        body: { message: 'Data deleted successfully', deleted: generated.length },
      });
      cleaned = true;
    } finally {
      if (!cleaned)
        await app()
          .http.delete('/api/data')
          .set('X-API-Key', adminKey)
          .send({ bucketId, dataSourceId, ...year });
    }
  }

  /** One row per day, checked for everything but the values; `aggregation` top-level or inside `filters`. */
  async function queryByDay(dataSourceId: string, aggregation: string, inFilters: boolean, days: [string, Day][]): Promise<Row[]> {
    const range = { ...year, limit: 10_000 };
    const body = inFilters
      ? { bucketId, dataSourceId, filters: { ...range, aggregation, groupBy: 'day' } }
      : { bucketId, dataSourceId, filters: range, aggregation, groupBy: 'day' };
    const res = await app().http.post('/api/data/query').set('X-API-Key', writeKey).send(body);
    expect(res.status).toBe(200);
    expect(res.body.metadata).toEqual({
      count: days.length,
      total: days.length,
      hasMore: false,
      aggregation,
      groupBy: 'day',
      downsamplingApplied: false,
    });
    const rows = res.body.data as Row[];
    expect(rows.map((row) => row.timestamp)).toEqual(days.map(([day]) => day));
    rows.forEach((row, i) => {
      const [, expected] = days[i]!;
      expect(row.dataSourceId).toBe(dataSourceId);
      expect(row.count).toBe(expected.points);
      // Fields no point of the day has are left out.
      expect(Object.keys(row.values).sort()).toEqual(Object.keys(expected.count).sort());
    });
    return rows;
  }

  it('ingest then query sum/count by day gives the per-day sums and counts of the generated points', async () => {
    await fc.assert(
      fc.asyncProperty(points, fc.boolean(), async (generated, inFilters) => {
        const days = expectedDays(generated);
        await withPoints(generated, async (dataSourceId) => {
          const sums = await queryByDay(dataSourceId, 'sum', inFilters, days);
          const counts = await queryByDay(dataSourceId, 'count', inFilters, days);
          days.forEach(([, expected], i) => {
            for (const field of Object.keys(expected.count)) {
              expect(sums[i]!.values[field]).toBeCloseTo(expected.sum[field]!, 5);
              expect(counts[i]!.values[field]).toBe(expected.count[field]);
            }
          });
        });
      }),
      { numRuns: 40 },
    );
  }, 60_000);

  /**
   * Over the whole accepted range (|value| ≤ 1e300, so sums cannot overflow): min and max
   * are exactly JavaScript's, and the average is a finite number between them.
   */
  it('min/max by day equal Math.min/Math.max, and avg is a finite number between them, for any accepted values', async () => {
    // Uniform over bit patterns, doubles are rarely huge: large magnitudes get their own share.
    const anyFinite = fc.oneof(
      fc.double({ min: -1e300, max: 1e300, noNaN: true }),
      fc.double({ min: 1e299, max: 1e300, noNaN: true }),
      fc.double({ min: -1e300, max: -1e299, noNaN: true }),
    );
    const wideValues = fc.record({ a: anyFinite, b: anyFinite }, { requiredKeys: [] }).filter((v) => Object.keys(v).length > 0);
    const widePoints = fc.array(fc.record({ timestamp, values: wideValues }), { minLength: 1, maxLength: 10 });
    // JSON has no -0: compare with it folded into 0.
    const unsigned = (value: number | null | undefined) => (typeof value === 'number' ? value + 0 : value);
    await fc.assert(
      fc.asyncProperty(widePoints, async (generated) => {
        const days = expectedDays(generated);
        await withPoints(generated, async (dataSourceId) => {
          const mins = await queryByDay(dataSourceId, 'min', false, days);
          const maxes = await queryByDay(dataSourceId, 'max', false, days);
          const avgs = await queryByDay(dataSourceId, 'avg', false, days);
          days.forEach(([day, expected], i) => {
            for (const field of Object.keys(expected.count)) {
              const [min, max] = [expected.min[field]!, expected.max[field]!];
              expect({ day, field, min: unsigned(mins[i]!.values[field]) }).toEqual({ day, field, min: unsigned(min) });
              expect({ day, field, max: unsigned(maxes[i]!.values[field]) }).toEqual({ day, field, max: unsigned(max) });
              const avg = avgs[i]!.values[field];
              // null here is a non-finite average that JSON could not carry.
              expect({ day, field, avg }).toEqual({ day, field, avg: expect.any(Number) });
              expect(Number.isFinite(avg)).toBe(true);
              // A little slack for rounding: the mean of equal values may land one ulp outside.
              const slack = Math.max(Math.abs(min), Math.abs(max)) * 1e-12;
              expect(avg as number).toBeGreaterThanOrEqual(min - slack);
              expect(avg as number).toBeLessThanOrEqual(max + slack);
            }
          });
        });
      }),
      { numRuns: 40 },
    );
  }, 60_000);
});
