import { keyPrefixOf } from '../src/modules/keys/keyFormat';
import { ApiKeyModel } from '../src/modules/keys/model';
import { defaultScopes } from '../src/modules/keys/scopes';
import { expectError } from './support/assertions';
import { createBucketKey, createTenant } from './support/tenants';
import { useTestApp } from './support/testApp';

const app = useTestApp();

const me = (key: string) => app().http.get('/api/keys/me').set('X-API-Key', key);

describe('GET /api/keys/me', () => {
  it('tells an admin key what it is: the whole organization, every scope, never the secret', async () => {
    const tenant = await createTenant(app());
    const res = await me(tenant.adminKey).expect(200);
    expect(res.body).toEqual({
      key: {
        _id: tenant.adminKeyId,
        name: 'test admin',
        type: 'admin',
        keyPrefix: keyPrefixOf(tenant.adminKey),
        bucketId: null,
        organizationId: tenant.organizationId,
        scopes: [...defaultScopes.admin],
        expiresAt: null,
      },
    });
    expect(JSON.stringify(res.body)).not.toContain(tenant.adminKey);
    const stored = await ApiKeyModel.findById(tenant.adminKeyId).lean();
    expect(JSON.stringify(res.body)).not.toContain(String(stored?.keyHash));
  });

  it('tells a bucket key its bucket, its narrowed scopes and its expiry, also through Authorization: Bearer', async () => {
    const tenant = await createTenant(app());
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const narrowed = await createBucketKey(app(), tenant.adminKey, tenant.bucketId, 'read', { scopes: ['data:read'], expiresAt });
    const res = await app().http.get('/api/keys/me').set('Authorization', `Bearer ${narrowed.key}`).expect(200);
    expect(res.body.key).toEqual({
      _id: narrowed.id,
      name: 'read key',
      type: 'read',
      keyPrefix: keyPrefixOf(narrowed.key),
      bucketId: tenant.bucketId,
      organizationId: tenant.organizationId,
      scopes: ['data:read'],
      expiresAt,
    });
    const write = (await me(tenant.writeKey).expect(200)).body.key;
    expect(write).toMatchObject({ _id: tenant.writeKeyId, type: 'write', bucketId: tenant.bucketId, scopes: [...defaultScopes.write] });
  });

  it('answers 401 for a deleted, an expired or an unknown key', async () => {
    const tenant = await createTenant(app());
    const doomed = await createBucketKey(app(), tenant.adminKey, tenant.bucketId, 'write');
    await app().http.delete(`/api/buckets/${tenant.bucketId}/keys/${doomed.id}`).set('X-API-Key', tenant.adminKey).expect(200);
    const expired = await createBucketKey(app(), tenant.adminKey, tenant.bucketId, 'read');
    await ApiKeyModel.updateOne({ _id: expired.id }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    for (const key of [doomed.key, expired.key, `dakkio_r_${'x'.repeat(40)}`]) {
      expectError(await me(key), 401, 'Unauthorized', 'Invalid or missing API key');
    }
    expectError(await app().http.get('/api/keys/me'), 401, 'Unauthorized', 'Invalid or missing API key');
  });
});
