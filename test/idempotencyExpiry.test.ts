import mongoose, { Types } from 'mongoose';
import { createTenant, type Tenant } from './support/tenants';
import { useTestApp } from './support/testApp';

const app = useTestApp();

const points = () => mongoose.connection.collection('datapoints');
const storedPoints = (bucketId: string) =>
  points()
    .find({ bucketId: new Types.ObjectId(bucketId) })
    .toArray();

/** Moves every idempotency record 25 hours into the past, as if the 24 h window had passed. */
async function backdateIdempotencyRecords(): Promise<void> {
  const records = mongoose.connection.collection('idempotencykeys');
  const all = await records.find({}).toArray();
  expect(all.length).toBeGreaterThan(0);
  for (const record of all) {
    const createdAt = new Date(new Date(record.createdAt as Date).getTime() - 25 * 60 * 60 * 1000);
    await records.updateOne({ _id: record._id }, { $set: { createdAt } });
  }
}

async function createSource(tenant: Tenant): Promise<string> {
  const res = await app()
    .http.post(`/api/buckets/${tenant.bucketId}/sources`)
    .set('X-API-Key', tenant.adminKey)
    .send({ name: `source ${new Types.ObjectId().toHexString()}`, schema: { temperature: 'number' } })
    .expect(201);
  return res.body.dataSource._id as string;
}

describe('Idempotency-Key', () => {
  it('control: a retry within 24 h replays the first response and stores nothing twice', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(tenant);
    const body = { bucketId: tenant.bucketId, dataSourceId, values: { temperature: 1 } };
    const first = await app().http.post('/api/data').set('X-API-Key', tenant.writeKey).set('Idempotency-Key', 'k1').send(body).expect(201);
    const retry = await app().http.post('/api/data').set('X-API-Key', tenant.writeKey).set('Idempotency-Key', 'k1').send(body).expect(201);
    expect(retry.body).toEqual(first.body);
    expect(await storedPoints(tenant.bucketId)).toHaveLength(1);
  });

  it('POST /api/data: after 24 h the key is free again, and a request with it stores and answers its own point', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(tenant);
    const first = await app()
      .http.post('/api/data')
      .set('X-API-Key', tenant.writeKey)
      .set('Idempotency-Key', 'k1')
      .send({ bucketId: tenant.bucketId, dataSourceId, values: { temperature: 1 } })
      .expect(201);
    await backdateIdempotencyRecords();

    const second = await app()
      .http.post('/api/data')
      .set('X-API-Key', tenant.writeKey)
      .set('Idempotency-Key', 'k1')
      .send({ bucketId: tenant.bucketId, dataSourceId, values: { temperature: 2 } });
    expect(second.status).toBe(201);
    expect(second.body.dataPoint.values).toEqual({ temperature: 2 });
    expect(second.body.dataPoint._id).not.toBe(first.body.dataPoint._id);

    const stored = await storedPoints(tenant.bucketId);
    expect(stored.map((point) => point._id.toHexString()).sort()).toEqual([first.body.dataPoint._id, second.body.dataPoint._id].sort());
    expect(stored.map((point) => point.values.temperature).sort()).toEqual([1, 2]);
  });

  it('POST /api/data/batch: after 24 h the key is free again, and a batch with it stores all its points', async () => {
    const tenant = await createTenant(app());
    const dataSourceId = await createSource(tenant);
    const batch = (offset: number) => ({
      bucketId: tenant.bucketId,
      dataPoints: Array.from({ length: 5 }, (_, n) => ({
        dataSourceId,
        timestamp: new Date(Date.UTC(2024, 0, 1, 0, n)).toISOString(),
        values: { temperature: offset + n },
      })),
    });
    const first = await app().http.post('/api/data/batch').set('X-API-Key', tenant.writeKey).set('Idempotency-Key', 'k1').send(batch(0));
    expect(first.status).toBe(201);
    expect(first.body.inserted).toBe(5);
    await backdateIdempotencyRecords();

    const second = await app().http.post('/api/data/batch').set('X-API-Key', tenant.writeKey).set('Idempotency-Key', 'k1').send(batch(100));
    expect(second.status).toBe(201);
    expect(second.body.inserted).toBe(5);

    const stored = await storedPoints(tenant.bucketId);
    expect(stored).toHaveLength(10);
    expect(stored.map((point) => point.values.temperature as number).sort((x, y) => x - y)).toEqual([
      0, 1, 2, 3, 4, 100, 101, 102, 103, 104,
    ]);
  });
});
