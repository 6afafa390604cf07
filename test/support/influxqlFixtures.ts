import { Types } from 'mongoose';
import { bucketsVisibleTo } from '../../src/modules/buckets/visibleBuckets';
import { createInfluxQLPorts } from '../../src/modules/influxql/influxqlPorts';
import type { Epoch, InfluxQLDatabase, InfluxQLLimits, StatementResult } from '../../src/modules/influxql/ports';
import { runInfluxQL } from '../../src/modules/influxql/runInfluxQL';
import { createTenant, type Tenant } from './tenants';
import type { TestApp } from './testApp';

/**
 * The points the InfluxQL suites query, the same ones written to InfluxDB 1.6.7 when the
 * expected answers were checked against it:
 *
 *   weather,host=a temperature=10,label="x",ok=true  2026-01-01T00:00:00Z
 *   weather,host=a temperature=20                    2026-01-01T00:00:10Z
 *   weather,host=b temperature=30,label="y"          2026-01-01T00:00:30Z
 *   weather temperature=40,ok=false                  2026-01-01T00:01:10Z
 *   weather,host=b temperature=50                    2026-01-01T00:03:20.123Z
 *   cpu,host=a,region=eu usage=1                     2026-01-01T00:00:05Z
 */
export const weatherPoints = [
  { timestamp: '2026-01-01T00:00:00Z', values: { temperature: 10, label: 'x', ok: true }, metadata: { host: 'a' } },
  { timestamp: '2026-01-01T00:00:10Z', values: { temperature: 20 }, metadata: { host: 'a' } },
  { timestamp: '2026-01-01T00:00:30Z', values: { temperature: 30, label: 'y' }, metadata: { host: 'b' } },
  { timestamp: '2026-01-01T00:01:10Z', values: { temperature: 40, ok: false } },
  { timestamp: '2026-01-01T00:03:20.123Z', values: { temperature: 50 }, metadata: { host: 'b' } },
];
export const cpuPoints = [{ timestamp: '2026-01-01T00:00:05Z', values: { usage: 1 }, metadata: { host: 'a', region: 'eu' } }];

/** `now()` for the suites: a little after the points, so retention keeps them and now() - 1h reaches them. */
export const fixtureNow = new Date('2026-01-01T00:10:00Z');

export async function createMeasurement(app: TestApp, tenant: Tenant, name: string, schema: object): Promise<string> {
  const res = await app.http
    .post(`/api/buckets/${tenant.bucketId}/sources`)
    .set('X-API-Key', tenant.adminKey)
    .send({ name, schema })
    .expect(201);
  return res.body.dataSource._id as string;
}

export async function writePoints(app: TestApp, tenant: Tenant, dataSourceId: string, points: object[]): Promise<void> {
  await app.http
    .post('/api/data/batch')
    .set('X-API-Key', tenant.writeKey)
    .send({ bucketId: tenant.bucketId, dataPoints: points.map((point) => ({ dataSourceId, ...point })) })
    .expect(201);
}

export interface InfluxQLFixture {
  tenant: Tenant;
  bucket: InfluxQLDatabase;
  /** Runs `q` as a request with `db` set to the fixture's bucket (or none) would. */
  query: (q: string, options?: { epoch?: Epoch; db?: 'none'; now?: Date; limits?: Partial<InfluxQLLimits> }) => Promise<StatementResult[]>;
}

export const defaultLimits: InfluxQLLimits = { maxTimeMS: 5000, maxPoints: 10_000 };

/** A tenant whose bucket holds the weather and cpu measurements above, and a way to query it. */
export async function seedInfluxQLFixture(app: TestApp): Promise<InfluxQLFixture> {
  const tenant = await createTenant(app);
  const weather = await createMeasurement(app, tenant, 'weather', {
    temperature: { type: 'number' },
    label: { type: 'string' },
    ok: { type: 'boolean' },
  });
  const cpu = await createMeasurement(app, tenant, 'cpu', { usage: { type: 'number' } });
  await writePoints(app, tenant, weather, weatherPoints);
  await writePoints(app, tenant, cpu, cpuPoints);
  const key = { organizationId: tenant.organizationId, bucketId: null };
  const [bucket] = (await bucketsVisibleTo(key, 5000)).filter((database) => database._id.equals(new Types.ObjectId(tenant.bucketId)));
  if (!bucket) throw new Error('the fixture bucket is not visible to its organization');
  return {
    tenant,
    bucket,
    query: async (q, options = {}) => {
      const ports = createInfluxQLPorts(key, { ...defaultLimits, ...options.limits });
      const { results } = await runInfluxQL(
        { q, epoch: options.epoch, bucket: options.db === 'none' ? null : bucket, now: options.now ?? fixtureNow },
        ports,
      );
      return results;
    },
  };
}
