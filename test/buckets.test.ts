import { BucketModel } from '../src/modules/buckets/model';
import { createTenant } from './support/tenants';
import { disconnectDatabase, startTestApp, type TestApp } from './support/testApp';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
  await disconnectDatabase();
});

describe('POST /api/buckets', () => {
  it('creates a bucket in the key’s organization', async () => {
    const tenant = await createTenant(app);
    const res = await app.http
      .post('/api/buckets')
      .set('X-API-Key', tenant.adminKey)
      .send({ name: 'greenhouse', description: 'north wing', retentionDays: 30 })
      .expect(201);
    expect(res.body.message).toBe('Bucket created successfully');
    expect(res.body.bucket).toMatchObject({
      name: 'greenhouse',
      description: 'north wing',
      retentionDays: 30,
      organizationId: tenant.organizationId,
    });
    const stored = await BucketModel.findById(res.body.bucket._id).lean();
    expect(stored?.name).toBe('greenhouse');
    expect(stored?.organizationId.toHexString()).toBe(tenant.organizationId);
  });
});
