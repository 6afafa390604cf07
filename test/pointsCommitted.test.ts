import type { PointsCommitted } from '../src/modules/ingest/pointsCommitted';
import { createDataSource, createTenant, type Tenant } from './support/tenants';
import { useTestApp } from './support/testApp';

/** The ingest pipeline's event, as the coming consumers (alerts, stream, usage) will see it. */
describe('points committed by POST /api/data and POST /api/data/batch', () => {
  const app = useTestApp();
  let tenant: Tenant;
  let dataSourceId: string;
  let events: PointsCommitted[];
  let unsubscribe: () => void;
  beforeAll(async () => {
    tenant = await createTenant(app());
    dataSourceId = await createDataSource(app(), tenant.writeKey, tenant.bucketId);
  });
  beforeEach(() => {
    events = [];
    unsubscribe = app().deps.pointsCommitted.subscribe((event) => {
      events.push(event);
    });
  });
  afterEach(() => unsubscribe());
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
  const post = (path: string, body: object, idempotencyKey?: string) => {
    const req = app().http.post(path).set('X-API-Key', tenant.writeKey);
    return (idempotencyKey ? req.set('Idempotency-Key', idempotencyKey) : req).send({ bucketId: tenant.bucketId, ...body });
  };

  it('publishes each acknowledged request once, with its transport and the stored points', async () => {
    const single = await post('/api/data', { dataSourceId, values: { temperature: 21 } }).expect(201);
    const batch = await post('/api/data/batch', {
      dataPoints: [
        { dataSourceId, values: { temperature: 1 } },
        { dataSourceId, values: { temperature: 2 } },
      ],
    }).expect(201);
    await settle();
    expect(events.map((event) => [event.transport, event.points.length])).toEqual([
      ['http', 1],
      ['http-batch', 2],
    ]);
    expect(events[0]!.bucketId).toBe(tenant.bucketId);
    expect(events[0]!.points[0]!._id.toHexString()).toBe(single.body.dataPoint._id);
    expect(events[1]!.points.map((point) => point.values.temperature)).toEqual([1, 2]);
    expect(batch.body.inserted).toBe(2);
  });

  it('publishes nothing for a refused request or a replayed Idempotency-Key', async () => {
    await post('/api/data', { dataSourceId, values: { unknownField: 1 } }).expect(400);
    await post('/api/data', { dataSourceId, values: { temperature: 5 } }, 'once').expect(201);
    await post('/api/data', { dataSourceId, values: { temperature: 5 } }, 'once').expect(201);
    await settle();
    expect(events).toHaveLength(1);
  });

  it('answers without waiting for consumers, and a failing or slow consumer changes nothing', async () => {
    let consumed = 0;
    const stopFailing = app().deps.pointsCommitted.subscribe(() => {
      throw new Error('consumer bug');
    });
    const stopSlow = app().deps.pointsCommitted.subscribe(async () => {
      consumed += 1;
      await new Promise((resolve) => setTimeout(resolve, 3000));
    });
    try {
      const started = Date.now();
      const res = await post('/api/data', { dataSourceId, values: { temperature: 7 } });
      expect(res.status).toBe(201);
      expect(Date.now() - started).toBeLessThan(1500);
      await settle();
      expect(consumed).toBe(1);
      expect(app().logs.some((line) => line.includes('points-committed consumer failed'))).toBe(true);
    } finally {
      stopFailing();
      stopSlow();
    }
  });
});
