import { Types } from 'mongoose';
import { DataPointModel } from '../src/modules/points/model';
import { createDataSource, createTenant, type Tenant } from './support/tenants';
import { useTestApp } from './support/testApp';

/**
 * A point waits in the group-commit window longer than the request deadline, so the write is
 * sent after the deadline passed: the answer must be the write's outcome, never a 503 for a
 * point that is then stored (a client retrying on 503 would store it twice).
 */
describe('POST /api/data past REQUEST_TIMEOUT_MS', () => {
  const app = useTestApp({ REQUEST_TIMEOUT_MS: '150', GROUP_COMMIT_WINDOW_MS: '600' });
  let tenant: Tenant;
  let dataSourceId: string;
  beforeAll(async () => {
    tenant = await createTenant(app());
    dataSourceId = await createDataSource(app(), tenant.writeKey, tenant.bucketId);
  });
  const storedIds = async () =>
    (
      await DataPointModel.find({ bucketId: new Types.ObjectId(tenant.bucketId) })
        .select('_id')
        .lean()
    ).map((point) => point._id.toHexString());

  it('answers with the outcome of a write sent before the deadline passed', async () => {
    const started = Date.now();
    const res = await app()
      .http.post('/api/data')
      .set('X-API-Key', tenant.writeKey)
      .send({ bucketId: tenant.bucketId, dataSourceId, values: { temperature: 20 } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(res.status).toBe(201);
    expect(await storedIds()).toContain(res.body.dataPoint._id);
  });

  it('does the same for a batch with an Idempotency-Key, and a retry replays it', async () => {
    const body = {
      bucketId: tenant.bucketId,
      dataPoints: [
        { dataSourceId, values: { temperature: 1 } },
        { dataSourceId, values: { temperature: 2 } },
      ],
    };
    const before = (await storedIds()).length;
    const first = await app()
      .http.post('/api/data/batch')
      .set('X-API-Key', tenant.writeKey)
      .set('Idempotency-Key', 'slow-batch')
      .send(body);
    expect(first.status).toBe(201);
    expect(first.body.inserted).toBe(2);
    const retry = await app()
      .http.post('/api/data/batch')
      .set('X-API-Key', tenant.writeKey)
      .set('Idempotency-Key', 'slow-batch')
      .send(body);
    expect(retry.status).toBe(201);
    expect((await storedIds()).length).toBe(before + 2);
  });
});
