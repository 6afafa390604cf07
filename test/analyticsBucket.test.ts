import { Types } from 'mongoose';
import { DataPointModel } from '../src/modules/points/model';
import { WebhookDeliveryModel } from '../src/modules/webhooks/model';
import { expectValidationErrorAt } from './support/assertions';
import { createDataSource, createTenant, type Tenant } from './support/tenants';
import { useTestApp } from './support/testApp';

const app = useTestApp();
const hour = 3_600_000;
const day = 24 * hour;

/**
 * Figures computed by hand from the points written: two sources, points inside and outside
 * the 7-day period, and triggered-alert events recorded for one rule.
 */
describe('GET /api/analytics/buckets/:bucketId', () => {
  let tenant: Tenant;
  let climate: string;
  let power: string;
  let ruleId: string;
  const now = Date.now();

  beforeAll(async () => {
    tenant = await createTenant(app());
    climate = await createDataSource(app(), tenant.adminKey, tenant.bucketId, {
      temperature: 'number',
      humidity: 'number',
      room: 'string',
    });
    power = await createDataSource(app(), tenant.adminKey, tenant.bucketId, { watts: 'number' });
    const point = (dataSourceId: string, msAgo: number, values: object) => ({
      dataSourceId,
      timestamp: new Date(now - msAgo).toISOString(),
      values,
    });
    const dataPoints = [
      point(climate, 2 * hour, { temperature: 20, humidity: 40, room: 'a' }),
      point(climate, 1 * day, { temperature: 24, humidity: 50 }),
      point(climate, 3 * day, { temperature: 10 }),
      point(climate, 10 * day, { temperature: 99, humidity: 99 }), // outside 7d, inside 30d
      point(power, 30 * 60_000, { watts: 300 }),
      point(power, 6 * day, { watts: 100 }),
    ];
    await app().http.post('/api/data/batch').set('X-API-Key', tenant.writeKey).send({ bucketId: tenant.bucketId, dataPoints }).expect(201);
    const rule = await app()
      .http.post('/api/alerts')
      .set('X-API-Key', tenant.adminKey)
      .send({
        bucketId: tenant.bucketId,
        dataSourceId: power,
        name: 'too much power',
        condition: 'watts > 1000',
        webhookUrl: 'https://127.0.0.1:9/hook',
      })
      .expect(201);
    ruleId = rule.body.alertRule._id;
    // Two triggered events in the period and one before it, as the evaluator records them.
    const event = (msAgo: number, type = 'alert.triggered') => ({
      alertRuleId: new Types.ObjectId(ruleId),
      organizationId: new Types.ObjectId(tenant.organizationId),
      bucketId: new Types.ObjectId(tenant.bucketId),
      dataSourceId: new Types.ObjectId(power),
      type,
      url: 'https://127.0.0.1:9/hook',
      body: '{}',
      status: 'succeeded',
      createdAt: new Date(now - msAgo),
    });
    await WebhookDeliveryModel.collection.insertMany([event(hour), event(2 * day), event(8 * day), event(hour, 'alert.resolved')]);
  });

  it('reports per-source counts and field statistics over the period, hourly ingestion and alert activity', async () => {
    const res = await app().http.get(`/api/analytics/buckets/${tenant.bucketId}`).set('X-API-Key', tenant.readKey).expect(200);
    const { analytics } = res.body;
    expect(analytics.bucket._id).toBe(tenant.bucketId);
    expect(analytics.period).toBe('7d');
    expect(analytics.summary).toEqual({
      totalDataPoints: 6,
      dataPointsInPeriod: 5,
      avgDataPointsPerDay: Math.round((5 / 7) * 100) / 100,
      dataSources: 2,
      activeAlerts: 1,
    });
    const byName = Object.fromEntries(analytics.dataSourceStats.map((stats: { _id: string }) => [stats._id, stats]));
    expect(byName[climate]).toMatchObject({
      dataPointCount: 4,
      lastDataPoint: new Date(now - 2 * hour).toISOString(),
      avgValues: { temperature: (20 + 24 + 10) / 3, humidity: 45 },
      minValues: { temperature: 10, humidity: 40 },
      maxValues: { temperature: 24, humidity: 50 },
    });
    expect(byName[power]).toMatchObject({
      dataPointCount: 2,
      avgValues: { watts: 200 },
      minValues: { watts: 100 },
      maxValues: { watts: 300 },
    });
    // All six points were received just now: one hour, counted by when they arrived.
    const stored = await DataPointModel.collection.find({ bucketId: new Types.ObjectId(tenant.bucketId) }).toArray();
    const hours = new Map<string, number>();
    for (const point of stored) {
      const start = new Date(Math.floor((point.createdAt as Date).getTime() / hour) * hour).toISOString();
      hours.set(start, (hours.get(start) ?? 0) + 1);
    }
    expect(analytics.ingestionRate.dataPointsPerHour).toEqual([...hours].sort().map(([hourStart, count]) => ({ hour: hourStart, count })));
    expect(analytics.alertActivity).toEqual({ totalTriggered: 2, byRule: [{ _id: ruleId, name: 'too much power', count: 2 }] });
  });

  it('takes the period from the query: 30d includes the 10-day-old point and the 8-day-old event', async () => {
    const res = await app().http.get(`/api/analytics/buckets/${tenant.bucketId}?period=30d`).set('X-API-Key', tenant.writeKey).expect(200);
    expect(res.body.analytics.summary).toMatchObject({ dataPointsInPeriod: 6, avgDataPointsPerDay: 0.2 });
    expect(res.body.analytics.alertActivity.totalTriggered).toBe(3);
    const day24 = await app()
      .http.get(`/api/analytics/buckets/${tenant.bucketId}?period=24h`)
      .set('X-API-Key', tenant.adminKey)
      .expect(200);
    expect(day24.body.analytics.summary).toMatchObject({ dataPointsInPeriod: 2, avgDataPointsPerDay: 2 });
  });

  it('refuses a bad period with 400, and another bucket’s read key with 404', async () => {
    const bad = await app().http.get(`/api/analytics/buckets/${tenant.bucketId}?period=1y`).set('X-API-Key', tenant.readKey);
    expectValidationErrorAt(bad, ['query', 'period']);
    const stranger = await createTenant(app());
    const foreign = await app().http.get(`/api/analytics/buckets/${tenant.bucketId}`).set('X-API-Key', stranger.readKey);
    expect([foreign.status, foreign.body.message]).toEqual([404, 'Bucket not found']);
  });
});
