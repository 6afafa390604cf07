import mongoose, { Types } from 'mongoose';
import { createBucketKey, createOrganization, createTenant, type Tenant } from './support/tenants';
import { useTestApp } from './support/testApp';

const apiKeys = () => mongoose.connection.collection('apikeys');
const bucketKeyCount = (bucketId: string) => apiKeys().countDocuments({ bucketId: new Types.ObjectId(bucketId) });
const adminKeyCount = (organizationId: string) =>
  apiKeys().countDocuments({ organizationId: new Types.ObjectId(organizationId), type: 'admin' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('POST /api/buckets/:bucketId/keys/:keyId/rotate', () => {
  const app = useTestApp();

  it('refuses to rotate an expired key with 409 and issues no successor', async () => {
    const tenant = await createTenant(app());
    const expiresAt = new Date(Date.now() + 1500);
    const expiring = await createBucketKey(app(), tenant.adminKey, tenant.bucketId, 'write', { expiresAt: expiresAt.toISOString() });
    // Wait until it has expired (checked through the API, so server and test agree).
    await sleep(Math.max(0, expiresAt.getTime() - Date.now()) + 200);
    await app().http.get(`/api/buckets/${tenant.bucketId}/sources`).set('X-API-Key', expiring.key).expect(401);

    const before = await bucketKeyCount(tenant.bucketId);
    const res = await app()
      .http.post(`/api/buckets/${tenant.bucketId}/keys/${expiring.id}/rotate`)
      .set('X-API-Key', tenant.adminKey)
      .send({});
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'Conflict', message: 'Cannot rotate an expired API key' });
    expect(await bucketKeyCount(tenant.bucketId)).toBe(before);
    expect(await apiKeys().countDocuments({ bucketId: new Types.ObjectId(tenant.bucketId), name: 'write key' })).toBe(2);
  });
});

describe('POST /api/buckets/:bucketId/keys with MAX_KEYS_PER_BUCKET=3', () => {
  const app = useTestApp({ MAX_KEYS_PER_BUCKET: '3' });

  it('answers the 4th key of a bucket with 409 naming the cap, storing nothing', async () => {
    const tenant = await createTenant(app()); // a write and a read key
    await createBucketKey(app(), tenant.adminKey, tenant.bucketId, 'read');
    expect(await bucketKeyCount(tenant.bucketId)).toBe(3);

    const res = await app()
      .http.post(`/api/buckets/${tenant.bucketId}/keys`)
      .set('X-API-Key', tenant.adminKey)
      .send({ name: 'one too many', type: 'write' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'Conflict', message: expect.stringContaining('3') });
    expect(await bucketKeyCount(tenant.bucketId)).toBe(3);
    expect(await apiKeys().countDocuments({ bucketId: new Types.ObjectId(tenant.bucketId), name: 'one too many' })).toBe(0);
  });
});

describe('POST /api/keys with MAX_ADMIN_KEYS_PER_ORG=2', () => {
  const app = useTestApp({ MAX_ADMIN_KEYS_PER_ORG: '2' });

  it('answers a 3rd admin key of an organization with 409, storing nothing', async () => {
    const organization = await createOrganization(app());
    await app().http.post('/api/keys').set('X-API-Key', organization.adminKey).send({ name: 'second admin' }).expect(201);
    expect(await adminKeyCount(organization.organizationId)).toBe(2);

    const res = await app().http.post('/api/keys').set('X-API-Key', organization.adminKey).send({ name: 'third admin' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'Conflict' });
    expect(await adminKeyCount(organization.organizationId)).toBe(2);
  });
});

describe('verified-key cache (VERIFIED_KEY_CACHE_SIZE=3)', () => {
  const app = useTestApp({ VERIFIED_KEY_CACHE_SIZE: '3' });

  it('evicts the least recently used key: a key used between every new key is never re-verified', async () => {
    const use = (tenant: Tenant) => app().http.get(`/api/buckets/${tenant.bucketId}/sources`).set('X-API-Key', tenant.writeKey).expect(200);
    const hot = await createTenant(app());
    const others: Tenant[] = [];
    for (let n = 0; n < 8; n += 1) others.push(await createTenant(app()));

    // bcrypt compares each request added: the hot key's first use, then (new key, hot key) × 8.
    const added: number[] = [];
    const measure = async (tenant: Tenant) => {
      const before = app().bcryptCompares();
      await use(tenant);
      added.push(app().bcryptCompares() - before);
    };
    await measure(hot);
    for (const other of others) {
      await measure(other);
      await measure(hot);
    }
    expect(added).toEqual([1, ...Array(8).fill([1, 0]).flat()]);
  });
});
