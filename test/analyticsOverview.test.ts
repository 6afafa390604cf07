import mongoose, { Types } from 'mongoose';
import { formatBytes } from '../src/modules/analytics/overview';
import { DataPointModel } from '../src/modules/points/model';
import { callServer, freshDatabaseUri, startServerProcess, type RunningServer } from './support/serverProcess';
import { createBucket, createDataSource, createTenant } from './support/tenants';
import { useTestApp } from './support/testApp';

const app = useTestApp({ API_CALLS_MONTHLY_LIMIT: '400' });

describe('GET /api/analytics/overview', () => {
  it('reports exact totals, this month’s API calls against the limit, and recent activity', async () => {
    const tenant = await createTenant(app()); // 3 authenticated requests: a bucket and two keys
    let calls = 3;
    const admin = (request: ReturnType<ReturnType<typeof app>['http']['get']>) => {
      calls += 1;
      return request.set('X-API-Key', tenant.adminKey);
    };
    const second = await createBucket(app(), tenant.adminKey);
    calls += 1;
    const sources = [
      await createDataSource(app(), tenant.adminKey, tenant.bucketId),
      await createDataSource(app(), tenant.adminKey, second),
    ];
    calls += 2;
    const now = Date.now();
    const dataPoints = Array.from({ length: 25 }, (_, i) => ({
      dataSourceId: sources[0],
      timestamp: new Date(now - i * 60_000).toISOString(),
      values: { temperature: i },
    }));
    await admin(app().http.post('/api/data/batch')).send({ bucketId: tenant.bucketId, dataPoints }).expect(201);
    await admin(app().http.post('/api/data/batch'))
      .send({ bucketId: second, dataPoints: dataPoints.slice(0, 5).map((point) => ({ ...point, dataSourceId: sources[1] })) })
      .expect(201);
    await admin(app().http.post('/api/alerts'))
      .send({
        bucketId: tenant.bucketId,
        dataSourceId: sources[0],
        name: 'hot',
        condition: 'temperature > 100',
        webhookUrl: 'https://127.0.0.1:9/hook',
      })
      .expect(201);

    const res = await admin(app().http.get('/api/analytics/overview')).expect(200);
    const stored = await DataPointModel.collection
      .find({ bucketId: { $in: [new Types.ObjectId(tenant.bucketId), new Types.ObjectId(second)] } })
      .sort({ createdAt: -1 })
      .toArray();
    const { overview } = res.body;
    expect(overview.organization).toEqual({ _id: tenant.organizationId, name: expect.any(String) });
    expect(overview.totals).toEqual({ buckets: 2, dataSources: 2, dataPoints: 30, alertRules: 1, apiKeys: 3 });
    expect(overview.usage).toMatchObject({
      apiCallsThisMonth: calls,
      apiCallsLimit: 400,
      apiCallsPercentage: Math.round((calls / 400) * 10_000) / 100,
    });
    expect(overview.usage.storageUsedBytes).toBeGreaterThan(30 * 50);
    expect(overview.usage.storageUsedFormatted).toBe(formatBytes(overview.usage.storageUsedBytes));
    expect(overview.plan).toEqual({ name: 'Self-hosted', maxBuckets: null, maxRetentionDays: 3650, maxApiCalls: 400 });
    expect(overview.recentActivity).toEqual({
      lastDataIngestion: (stored[0]!.createdAt as Date).toISOString(),
      lastAlertTriggered: null,
      dataPointsLast24h: 30,
      alertsTriggeredLast24h: 0,
    });
  });

  it('says null for limits that are not configured', async () => {
    const tenant = await createTenant(unlimited());
    const res = await unlimited().http.get('/api/analytics/overview').set('X-API-Key', tenant.adminKey).expect(200);
    expect(res.body.overview.usage).toMatchObject({
      apiCallsThisMonth: 4,
      apiCallsLimit: null,
      apiCallsPercentage: null,
      storageUsedBytes: 0,
      storageUsedFormatted: '0 B',
    });
    expect(res.body.overview.plan.maxApiCalls).toBeNull();
  });
});
const unlimited = useTestApp();
const unmetered = useTestApp({ USAGE_METERING: 'false', USAGE_FLUSH_INTERVAL_MS: '100' });

describe('GET /api/analytics/overview with USAGE_METERING=false', () => {
  it('counts nothing, writes no usage document, and says null for the month’s calls', async () => {
    const tenant = await createTenant(unmetered());
    await new Promise((resolve) => setTimeout(resolve, 300));
    const res = await unmetered().http.get('/api/analytics/overview').set('X-API-Key', tenant.adminKey).expect(200);
    expect(res.body.overview.usage).toMatchObject({ apiCallsThisMonth: null, apiCallsPercentage: null });
    expect(res.body.overview.totals.buckets).toBe(1);
    const usageDocuments = await mongoose.connection
      .collection('usage')
      .countDocuments({ organizationId: new Types.ObjectId(tenant.organizationId) });
    expect(usageDocuments).toBe(0);
  });
});

describe('GET /api/analytics/overview across server processes', () => {
  const adminKey = `dakkio_a_${'U'.repeat(40)}`;
  let a: RunningServer;
  let b: RunningServer;
  let c: RunningServer;
  beforeAll(async () => {
    const env = { DAKKIO_BOOTSTRAP_ADMIN_KEY: adminKey, MONGODB_URI: freshDatabaseUri('usage'), USAGE_FLUSH_INTERVAL_MS: '200' };
    // c flushes only when it stops, so the shutdown test sees what SIGTERM wrote.
    [a, b, c] = await Promise.all([
      startServerProcess(env),
      startServerProcess(env),
      startServerProcess({ ...env, USAGE_FLUSH_INTERVAL_MS: '600000' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.kill()]);
  });

  it('adds up the API calls counted by every instance, without a write per request', async () => {
    const perInstance = 15;
    for (let i = 0; i < perInstance; i++) {
      await Promise.all([callServer(a, 'GET', '/api/buckets', adminKey), callServer(b, 'GET', '/api/buckets', adminKey)]);
    }
    await new Promise((resolve) => setTimeout(resolve, 600));
    const res = await callServer(a, 'GET', '/api/analytics/overview', adminKey);
    expect(res.status).toBe(200);
    // Both instances' calls, and this one (counted in memory by the instance answering it).
    expect(res.body.overview.usage.apiCallsThisMonth).toBe(2 * perInstance + 1);
  });

  it('writes what an instance counted when it shuts down (SIGTERM), before the next flush would have', async () => {
    const before = (await callServer(a, 'GET', '/api/analytics/overview', adminKey)).body.overview.usage.apiCallsThisMonth as number;
    for (let i = 0; i < 5; i++) await callServer(c, 'GET', '/api/buckets', adminKey);
    expect(await c.stop()).toBe(0);
    const after = (await callServer(a, 'GET', '/api/analytics/overview', adminKey)).body.overview.usage.apiCallsThisMonth as number;
    expect(after).toBe(before + 5 + 1);
  });
});
