import mongoose, { Types } from 'mongoose';
import { DataPointModel } from '../src/modules/points/model';
import { enforceRetention } from '../src/modules/retention/retentionJob';
import { createDataSource, createTenant, type Tenant } from './support/tenants';
import { useTestApp } from './support/testApp';

const oid = (hex: string) => new Types.ObjectId(hex);
const pointsWhere = (filter: object) => DataPointModel.countDocuments(filter);

/**
 * The group-commit window is made long, so a point that passed every check is still waiting to
 * be written when its parent's delete runs: it lands after the delete, acknowledged. Such a
 * point must not outlive its parent: retention removes it.
 */
describe('points acknowledged while their parent is deleted', () => {
  const app = useTestApp({ GROUP_COMMIT_WINDOW_MS: '400' });
  let tenant: Tenant;
  beforeEach(async () => {
    tenant = await createTenant(app());
  });
  const ingest = (dataSourceId: string) =>
    app()
      .http.post('/api/data')
      .set('X-API-Key', tenant.writeKey)
      .send({ bucketId: tenant.bucketId, dataSourceId, values: { temperature: 1 } });
  const afterAWhile = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('DELETE /api/buckets/:bucketId/sources/:sourceId: the late point is swept by retention, other sources keep theirs', async () => {
    const doomed = await createDataSource(app(), tenant.writeKey, tenant.bucketId);
    const kept = await createDataSource(app(), tenant.writeKey, tenant.bucketId);
    await ingest(kept).expect(201);
    const late = ingest(doomed).then((res) => res); // supertest sends only once then() is called
    await afterAWhile(100);
    await app().http.delete(`/api/buckets/${tenant.bucketId}/sources/${doomed}`).set('X-API-Key', tenant.writeKey).expect(200);
    const lateRes = await late;
    expect(lateRes.status).toBe(201);
    expect(await pointsWhere({ dataSourceId: oid(doomed) })).toBe(1);

    await enforceRetention(1000);
    expect(await pointsWhere({ dataSourceId: oid(doomed) })).toBe(0);
    expect(await pointsWhere({ dataSourceId: oid(kept) })).toBe(1);
    expect((await ingest(doomed)).status).toBe(404);
  });

  it('DELETE /api/buckets/:bucketId: the late point is swept by retention', async () => {
    const source = await createDataSource(app(), tenant.writeKey, tenant.bucketId);
    const late = ingest(source).then((res) => res); // supertest sends only once then() is called
    await afterAWhile(100);
    await app().http.delete(`/api/buckets/${tenant.bucketId}`).set('X-API-Key', tenant.adminKey).expect(200);
    expect((await late).status).toBe(201);
    expect(await pointsWhere({ bucketId: oid(tenant.bucketId) })).toBe(1);

    await enforceRetention(1000);
    expect(await pointsWhere({ bucketId: oid(tenant.bucketId) })).toBe(0);
  });

  it('POST /api/data refuses a data source or bucket whose delete started and did not finish', async () => {
    const source = await createDataSource(app(), tenant.writeKey, tenant.bucketId);
    const db = mongoose.connection;
    await db.collection('datasources').updateOne({ _id: oid(source) }, { $set: { deletingAt: new Date() } });
    const refused = await ingest(source);
    expect(refused.status).toBe(404);
    expect(refused.body.message).toBe('Data source not found');

    const other = await createDataSource(app(), tenant.writeKey, tenant.bucketId);
    await db.collection('buckets').updateOne({ _id: oid(tenant.bucketId) }, { $set: { deletingAt: new Date() } });
    const bucketRefused = await ingest(other);
    expect(bucketRefused.status).toBe(404);
    expect(bucketRefused.body.message).toBe('Bucket not found');
    expect(await pointsWhere({ bucketId: oid(tenant.bucketId) })).toBe(0);
  });
});

describe('retention job and Idempotency-Key records', () => {
  const app = useTestApp();

  it('deletes records past their 24 h window and keeps the others', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createDataSource(app(), tenant.writeKey, tenant.bucketId);
    for (const key of ['old-one', 'fresh-one']) {
      await app()
        .http.post('/api/data')
        .set('X-API-Key', tenant.writeKey)
        .set('Idempotency-Key', key)
        .send({ bucketId: tenant.bucketId, dataSourceId, values: { temperature: 1 } })
        .expect(201);
    }
    const records = mongoose.connection.collection('idempotencykeys');
    expect(await records.countDocuments()).toBe(2);
    const [oldest] = await records.find().sort({ createdAt: 1 }).limit(1).toArray();
    await records.updateOne({ _id: oldest!._id }, { $set: { createdAt: new Date(Date.now() - 25 * 3_600_000) } });

    await enforceRetention(1000);
    const left = await records.find().toArray();
    expect(left).toHaveLength(1);
    expect(left[0]!._id.equals(oldest!._id)).toBe(false);
  });
});
