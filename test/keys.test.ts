import bcrypt from 'bcrypt';
import { Types } from 'mongoose';
import { ApiKeyModel } from '../src/modules/keys/model';
import {
  expectError,
  expectKeyRejected,
  expectKeyWorks,
  expectRateLimitHeaders,
  expectRateLimited,
  expectUnauthorized,
} from './support/assertions';
import { createBucket, createBucketKey, createOrganization, createTenant } from './support/tenants';
import { useTestApp } from './support/testApp';

const app = useTestApp();

const listedKeyFields = ['_id', 'bucketId', 'createdAt', 'expiresAt', 'keyPrefix', 'lastUsedAt', 'name', 'scopes', 'type'];
const createdKeyFields = ['_id', 'bucketId', 'createdAt', 'expiresAt', 'key', 'keyPrefix', 'name', 'scopes', 'type'];
const bcryptHash = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/** An admin key's request: 200 while it works, 401 once it does not. */
const useAdminKey = (key: string) => app().http.get('/api/buckets').set('X-API-Key', key);

const listBucketKeys = async (adminKey: string, bucketId: string) =>
  (await app().http.get(`/api/buckets/${bucketId}/keys`).set('X-API-Key', adminKey).expect(200)).body.apiKeys as Array<
    Record<string, unknown>
  >;

const secretOf = (key: string) => key.slice(12);

async function waitFor<T>(read: () => Promise<T | null | undefined>, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('authentication', () => {
  it('accepts a key in X-API-Key and as Authorization: Bearer', async () => {
    const tenant = await createTenant(app());
    await app().http.get('/api/buckets').set('X-API-Key', tenant.adminKey).expect(200);
    await app().http.get('/api/buckets').set('Authorization', `Bearer ${tenant.adminKey}`).expect(200);
    const bucketKey = await app().http.get(`/api/buckets/${tenant.bucketId}`).set('Authorization', `Bearer ${tenant.writeKey}`);
    expect(bucketKey.status).toBe(403);
    expect(await ApiKeyModel.countDocuments({ organizationId: new Types.ObjectId(tenant.organizationId) })).toBe(3);
  });

  it('answers 401 for no key, a malformed key, an unknown key and a wrong secret', async () => {
    const tenant = await createTenant(app());
    const wrongSecret = tenant.adminKey.slice(0, -1) + (tenant.adminKey.endsWith('a') ? 'b' : 'a');
    expectUnauthorized(await app().http.get('/api/buckets'));
    expectUnauthorized(await useAdminKey('not-a-dakkio-key'));
    expectUnauthorized(await useAdminKey(`dakkio_a_${'x'.repeat(40)}`));
    expectUnauthorized(await useAdminKey(wrongSecret));
    expectUnauthorized(await app().http.get('/api/buckets').set('Authorization', `Basic ${tenant.adminKey}`));
    // The real key still works afterwards.
    await useAdminKey(tenant.adminKey).expect(200);
  });
});

describe('POST /api/buckets/:bucketId/keys', () => {
  it('returns the plaintext key once, with its 12-character prefix', async () => {
    const org = await createOrganization(app());
    const bucketId = await createBucket(app(), org.adminKey);
    const res = await app()
      .http.post(`/api/buckets/${bucketId}/keys`)
      .set('X-API-Key', org.adminKey)
      .send({ name: 'ingest', type: 'write' })
      .expect(201);
    expect(res.body.message).toBe('API key created successfully');
    expect(Object.keys(res.body).sort()).toEqual(['apiKey', 'message']);
    const apiKey = res.body.apiKey;
    expect(Object.keys(apiKey).sort()).toEqual(createdKeyFields);
    expect(apiKey.key).toMatch(/^dakkio_w_[0-9A-Za-z]{40}$/);
    expect(apiKey.keyPrefix).toBe(`${apiKey.key.slice(0, 12)}...`);
    expect(apiKey).toMatchObject({ name: 'ingest', type: 'write', bucketId, expiresAt: null });
    expect(apiKey._id).toMatch(/^[0-9a-f]{24}$/);
    expect(new Date(apiKey.createdAt).toISOString()).toBe(apiKey.createdAt);
    expect(apiKey.scopes).toEqual(expect.arrayContaining(['data:write', 'data:read', 'sources:write']));

    const read = await app()
      .http.post(`/api/buckets/${bucketId}/keys`)
      .set('X-API-Key', org.adminKey)
      .send({ name: 'dashboard', type: 'read' })
      .expect(201);
    expect(read.body.apiKey.key).toMatch(/^dakkio_r_[0-9A-Za-z]{40}$/);
    expect(read.body.apiKey.key).not.toBe(apiKey.key);

    const stored = await ApiKeyModel.findById(apiKey._id).lean();
    expect(stored).toMatchObject({ name: 'ingest', type: 'write', keyPrefix: apiKey.keyPrefix });
    expect(stored?.bucketId?.toHexString()).toBe(bucketId);
    expect(stored?.organizationId.toHexString()).toBe(org.organizationId);
    await expectKeyWorks(app(), apiKey.key, bucketId);
  });

  it('stores only a bcrypt hash, never the plaintext or its secret part', async () => {
    const tenant = await createTenant(app());
    for (const [id, key] of [
      [tenant.writeKeyId, tenant.writeKey],
      [tenant.readKeyId, tenant.readKey],
      [tenant.adminKeyId, tenant.adminKey],
    ] as const) {
      const stored = await ApiKeyModel.collection.findOne({ _id: new Types.ObjectId(id) });
      expect(stored).not.toBeNull();
      const dump = JSON.stringify(stored);
      expect(dump).not.toContain(key);
      expect(dump).not.toContain(secretOf(key));
      expect(stored!.keyHash).toMatch(bcryptHash);
      expect(await bcrypt.compare(key, stored!.keyHash as string)).toBe(true);
    }
  });

  it('accepts a future expiresAt; the key works until then', async () => {
    const tenant = await createTenant(app());
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    const created = await createBucketKey(app(), tenant.adminKey, tenant.bucketId, 'write', { expiresAt });
    const stored = await ApiKeyModel.findById(created.id).lean();
    expect(stored?.expiresAt?.toISOString()).toBe(expiresAt);
    await expectKeyWorks(app(), created.key, tenant.bucketId);

    const listed = (await listBucketKeys(tenant.adminKey, tenant.bucketId)).find((k) => k._id === created.id);
    expect(listed?.expiresAt).toBe(expiresAt);
  });

  it('rejects an expiresAt in the past with 400 and stores nothing', async () => {
    const tenant = await createTenant(app());
    const res = await app()
      .http.post(`/api/buckets/${tenant.bucketId}/keys`)
      .set('X-API-Key', tenant.adminKey)
      .send({ name: 'stale', type: 'write', expiresAt: new Date(Date.now() - 1000).toISOString() })
      .expect(400);
    expect(res.body).toMatchObject({ error: 'Validation Error', message: 'Invalid request parameters' });
    expect(await ApiKeyModel.exists({ name: 'stale', bucketId: new Types.ObjectId(tenant.bucketId) })).toBeNull();
  });

  it('keeps narrowed scopes and shows them in the listing', async () => {
    const tenant = await createTenant(app());
    const created = await app()
      .http.post(`/api/buckets/${tenant.bucketId}/keys`)
      .set('X-API-Key', tenant.adminKey)
      .send({ name: 'query only', type: 'read', scopes: ['data:read'] })
      .expect(201);
    expect(created.body.apiKey.scopes).toEqual(['data:read']);

    const listed = (await listBucketKeys(tenant.adminKey, tenant.bucketId)).find((k) => k._id === created.body.apiKey._id);
    expect(listed).toMatchObject({ type: 'read', scopes: ['data:read'] });
    expect((await ApiKeyModel.findById(created.body.apiKey._id).lean())?.scopes).toEqual(['data:read']);
  });

  it('rejects scopes that widen the key beyond its type with 400 and stores nothing', async () => {
    const tenant = await createTenant(app());
    for (const [type, scopes] of [
      ['read', ['data:read', 'data:write']],
      ['write', ['buckets:read']],
      ['write', ['keys:write']],
      ['read', ['sources:write']],
    ] as const) {
      const res = await app()
        .http.post(`/api/buckets/${tenant.bucketId}/keys`)
        .set('X-API-Key', tenant.adminKey)
        .send({ name: 'too wide', type, scopes });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'Validation Error', message: 'Invalid request parameters' });
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: ['body', 'scopes'] })]));
    }
    expect(await ApiKeyModel.exists({ name: 'too wide' })).toBeNull();
    expect(await ApiKeyModel.countDocuments({ bucketId: new Types.ObjectId(tenant.bucketId) })).toBe(2);
  });

  it('rejects an admin type or a missing name with 400 and stores nothing', async () => {
    const tenant = await createTenant(app());
    for (const body of [{ name: 'sneaky', type: 'admin' }, { type: 'write' }, { name: '', type: 'read' }]) {
      const res = await app().http.post(`/api/buckets/${tenant.bucketId}/keys`).set('X-API-Key', tenant.adminKey).send(body);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('Validation Error');
    }
    expect(await ApiKeyModel.countDocuments({ bucketId: new Types.ObjectId(tenant.bucketId) })).toBe(2);
  });

  it('answers 404 "Bucket not found" for another organization’s bucket and creates nothing', async () => {
    const tenant = await createTenant(app());
    const stranger = await createOrganization(app());
    const res = await app()
      .http.post(`/api/buckets/${tenant.bucketId}/keys`)
      .set('X-API-Key', stranger.adminKey)
      .send({ name: 'intruder', type: 'write' });
    expectError(res, 404, 'Not Found', 'Bucket not found');
    expect(await ApiKeyModel.exists({ name: 'intruder' })).toBeNull();
  });
});

describe('GET /api/buckets/:bucketId/keys', () => {
  it('lists the bucket’s keys with only the documented fields, never a key or a hash', async () => {
    const tenant = await createTenant(app());
    const extra = await createBucketKey(app(), tenant.adminKey, tenant.bucketId, 'read', { scopes: ['data:read'] });
    const otherBucket = await createBucket(app(), tenant.adminKey);
    const foreign = await createBucketKey(app(), tenant.adminKey, otherBucket, 'write');

    const res = await app().http.get(`/api/buckets/${tenant.bucketId}/keys`).set('X-API-Key', tenant.adminKey).expect(200);
    expect(Object.keys(res.body)).toEqual(['apiKeys']);
    const apiKeys = res.body.apiKeys as Array<Record<string, unknown>>;
    expect(apiKeys.map((k) => k._id).sort()).toEqual([tenant.writeKeyId, tenant.readKeyId, extra.id].sort());

    const stored = await ApiKeyModel.find({ bucketId: new Types.ObjectId(tenant.bucketId) }).lean();
    expect(stored).toHaveLength(3);
    const dump = JSON.stringify(res.body);
    for (const key of [tenant.writeKey, tenant.readKey, extra.key, foreign.key, tenant.adminKey]) {
      expect(dump).not.toContain(key);
      expect(dump).not.toContain(secretOf(key));
    }
    for (const record of stored) {
      expect(dump).not.toContain(record.keyHash);
      expect(dump).not.toContain(record.lookupHash);
    }
    for (const item of apiKeys) {
      expect(Object.keys(item).sort()).toEqual(listedKeyFields);
      expect(item).not.toHaveProperty('key');
      expect(item).not.toHaveProperty('keyHash');
      expect(item).not.toHaveProperty('lookupHash');
      expect(item.bucketId).toBe(tenant.bucketId);
      expect(item.keyPrefix).toMatch(/^dakkio_[wr]_[0-9A-Za-z]{3}\.\.\.$/);
      const record = stored.find((s) => s._id.toHexString() === item._id)!;
      expect(item).toMatchObject({ name: record.name, type: record.type, keyPrefix: record.keyPrefix });
    }
    expect(apiKeys.find((k) => k._id === tenant.writeKeyId)).toMatchObject({
      type: 'write',
      keyPrefix: `${tenant.writeKey.slice(0, 12)}...`,
      expiresAt: null,
    });
  });

  it('refuses a write key with 403 and a key of another organization with 404', async () => {
    const tenant = await createTenant(app());
    const stranger = await createOrganization(app());
    const forbidden = await app().http.get(`/api/buckets/${tenant.bucketId}/keys`).set('X-API-Key', tenant.writeKey);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error).toBe('Forbidden');
    const hidden = await app().http.get(`/api/buckets/${tenant.bucketId}/keys`).set('X-API-Key', stranger.adminKey);
    expectError(hidden, 404, 'Not Found', 'Bucket not found');
    expect(await ApiKeyModel.countDocuments({ bucketId: new Types.ObjectId(tenant.bucketId) })).toBe(2);
  });
});

describe('DELETE /api/buckets/:bucketId/keys/:keyId', () => {
  it('deletes the key, which gets 401 on its next request', async () => {
    const tenant = await createTenant(app());
    await expectKeyWorks(app(), tenant.writeKey, tenant.bucketId);

    const res = await app()
      .http.delete(`/api/buckets/${tenant.bucketId}/keys/${tenant.writeKeyId}`)
      .set('X-API-Key', tenant.adminKey)
      .expect(200);
    expect(res.body).toEqual({
      message: 'API key deleted successfully',
      deletedKey: { _id: tenant.writeKeyId, name: 'write key', type: 'write' },
    });

    expect(await ApiKeyModel.exists({ _id: tenant.writeKeyId })).toBeNull();
    await expectKeyRejected(app(), tenant.writeKey, tenant.bucketId);
    // The bucket's other key is untouched.
    expect(await ApiKeyModel.exists({ _id: tenant.readKeyId })).not.toBeNull();
    await expectKeyWorks(app(), tenant.readKey, tenant.bucketId);
    const listed = await listBucketKeys(tenant.adminKey, tenant.bucketId);
    expect(listed.map((k) => k._id)).toEqual([tenant.readKeyId]);
  });

  it('answers 404 "API key not found" for an unknown key id and deletes nothing', async () => {
    const tenant = await createTenant(app());
    const res = await app()
      .http.delete(`/api/buckets/${tenant.bucketId}/keys/${new Types.ObjectId().toHexString()}`)
      .set('X-API-Key', tenant.adminKey);
    expectError(res, 404, 'Not Found', 'API key not found');
    expect(await ApiKeyModel.countDocuments({ bucketId: new Types.ObjectId(tenant.bucketId) })).toBe(2);
  });

  it('answers 404 "API key not found" for a key of another bucket named through this bucket’s path', async () => {
    const tenant = await createTenant(app());
    const otherBucket = await createBucket(app(), tenant.adminKey);
    const otherKey = await createBucketKey(app(), tenant.adminKey, otherBucket, 'write');

    const res = await app().http.delete(`/api/buckets/${tenant.bucketId}/keys/${otherKey.id}`).set('X-API-Key', tenant.adminKey);
    expectError(res, 404, 'Not Found', 'API key not found');
    expect(await ApiKeyModel.exists({ _id: otherKey.id })).not.toBeNull();
    await expectKeyWorks(app(), otherKey.key, otherBucket);

    // Nor can the organization's admin key be deleted through a bucket path.
    const admin = await app().http.delete(`/api/buckets/${tenant.bucketId}/keys/${tenant.adminKeyId}`).set('X-API-Key', tenant.adminKey);
    expectError(admin, 404, 'Not Found', 'API key not found');
    expect(await ApiKeyModel.exists({ _id: tenant.adminKeyId })).not.toBeNull();
  });

  it('answers 400 "Invalid key ID format" for a malformed key id', async () => {
    const tenant = await createTenant(app());
    const res = await app().http.delete(`/api/buckets/${tenant.bucketId}/keys/nope`).set('X-API-Key', tenant.adminKey).expect(400);
    expect(res.body).toMatchObject({ error: 'Validation Error', message: 'Invalid key ID format' });
    expect(await ApiKeyModel.countDocuments({ bucketId: new Types.ObjectId(tenant.bucketId) })).toBe(2);
  });
});

describe('key expiry', () => {
  it('rejects a bucket key once its expiresAt has passed', async () => {
    const tenant = await createTenant(app());
    await expectKeyWorks(app(), tenant.writeKey, tenant.bucketId);
    await ApiKeyModel.updateOne({ _id: tenant.writeKeyId }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    await expectKeyRejected(app(), tenant.writeKey, tenant.bucketId);
    // Still stored (and listed), just no longer accepted.
    expect(await ApiKeyModel.exists({ _id: tenant.writeKeyId })).not.toBeNull();
  });

  it('rejects an expired admin key and accepts one whose expiry is in the future', async () => {
    const tenant = await createTenant(app());
    await ApiKeyModel.updateOne({ _id: tenant.adminKeyId }, { $set: { expiresAt: new Date(Date.now() + 60_000) } });
    await expectKeyWorks(app(), tenant.adminKey, null);
    await ApiKeyModel.updateOne({ _id: tenant.adminKeyId }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    await expectKeyRejected(app(), tenant.adminKey, null);
    expectUnauthorized(await app().http.get('/api/buckets').set('Authorization', `Bearer ${tenant.adminKey}`));
  });
});

describe('POST /api/buckets/:bucketId/keys/:keyId/rotate', () => {
  it('with gracePeriodSeconds 0 replaces the key at once, keeping name, type and scopes', async () => {
    const tenant = await createTenant(app());
    const old = await createBucketKey(app(), tenant.adminKey, tenant.bucketId, 'read', { name: 'board', scopes: ['data:read'] });

    const res = await app()
      .http.post(`/api/buckets/${tenant.bucketId}/keys/${old.id}/rotate`)
      .set('X-API-Key', tenant.adminKey)
      .send({ gracePeriodSeconds: 0 })
      .expect(201);
    const successor = res.body.apiKey;
    expect(Object.keys(successor).sort()).toEqual(createdKeyFields);
    expect(successor).toMatchObject({ name: 'board', type: 'read', scopes: ['data:read'], bucketId: tenant.bucketId, expiresAt: null });
    expect(successor.key).toMatch(/^dakkio_r_[0-9A-Za-z]{40}$/);
    expect(successor.key).not.toBe(old.key);
    expect(successor._id).not.toBe(old.id);
    expect(successor.keyPrefix).toBe(`${successor.key.slice(0, 12)}...`);

    await expectKeyRejected(app(), old.key, tenant.bucketId);
    await expectKeyWorks(app(), successor.key, tenant.bucketId);
    expect(await ApiKeyModel.exists({ _id: old.id })).toBeNull();
    const stored = await ApiKeyModel.findById(successor._id).lean();
    expect(stored).toMatchObject({ name: 'board', type: 'read', scopes: ['data:read'] });
    expect(JSON.stringify(await ApiKeyModel.collection.findOne({ _id: new Types.ObjectId(successor._id) }))).not.toContain(
      secretOf(successor.key),
    );
  });

  it('defaults gracePeriodSeconds to 0', async () => {
    const tenant = await createTenant(app());
    const res = await app()
      .http.post(`/api/buckets/${tenant.bucketId}/keys/${tenant.writeKeyId}/rotate`)
      .set('X-API-Key', tenant.adminKey)
      .expect(201);
    await expectKeyRejected(app(), tenant.writeKey, tenant.bucketId);
    await expectKeyWorks(app(), res.body.apiKey.key, tenant.bucketId);
    expect(await ApiKeyModel.exists({ _id: tenant.writeKeyId })).toBeNull();
  });

  it('with a grace period keeps both keys working until the old key’s new expiry', async () => {
    const tenant = await createTenant(app());
    const before = Date.now();
    const res = await app()
      .http.post(`/api/buckets/${tenant.bucketId}/keys/${tenant.writeKeyId}/rotate`)
      .set('X-API-Key', tenant.adminKey)
      .send({ gracePeriodSeconds: 60 })
      .expect(201);
    const after = Date.now();
    const successor = res.body.apiKey;
    expect(successor).toMatchObject({ name: 'write key', type: 'write', bucketId: tenant.bucketId });

    await expectKeyWorks(app(), tenant.writeKey, tenant.bucketId);
    await expectKeyWorks(app(), successor.key, tenant.bucketId);
    const oldStored = await ApiKeyModel.findById(tenant.writeKeyId).lean();
    const oldExpiry = oldStored!.expiresAt!.getTime();
    expect(oldExpiry).toBeGreaterThanOrEqual(before + 60_000 - 1000);
    expect(oldExpiry).toBeLessThanOrEqual(after + 60_000 + 1000);
    expect((await ApiKeyModel.findById(successor._id).lean())?.expiresAt).toBeNull();

    // Once the grace period is over, only the successor works.
    await ApiKeyModel.updateOne({ _id: tenant.writeKeyId }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    await expectKeyRejected(app(), tenant.writeKey, tenant.bucketId);
    await expectKeyWorks(app(), successor.key, tenant.bucketId);
  });

  it('gives the successor the old key’s expiry', async () => {
    const tenant = await createTenant(app());
    const expiresAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const old = await createBucketKey(app(), tenant.adminKey, tenant.bucketId, 'write', { expiresAt });
    const res = await app()
      .http.post(`/api/buckets/${tenant.bucketId}/keys/${old.id}/rotate`)
      .set('X-API-Key', tenant.adminKey)
      .send({})
      .expect(201);
    expect(res.body.apiKey.expiresAt).toBe(expiresAt);
    expect((await ApiKeyModel.findById(res.body.apiKey._id).lean())?.expiresAt?.toISOString()).toBe(expiresAt);
  });

  it('answers 404 for an unknown key and 400 for a grace period out of range, issuing nothing', async () => {
    const tenant = await createTenant(app());
    const unknown = await app()
      .http.post(`/api/buckets/${tenant.bucketId}/keys/${new Types.ObjectId().toHexString()}/rotate`)
      .set('X-API-Key', tenant.adminKey)
      .send({});
    expectError(unknown, 404, 'Not Found', 'API key not found');
    for (const gracePeriodSeconds of [-1, 86_401, 1.5]) {
      const res = await app()
        .http.post(`/api/buckets/${tenant.bucketId}/keys/${tenant.writeKeyId}/rotate`)
        .set('X-API-Key', tenant.adminKey)
        .send({ gracePeriodSeconds });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('Validation Error');
    }
    expect(await ApiKeyModel.countDocuments({ bucketId: new Types.ObjectId(tenant.bucketId) })).toBe(2);
    await expectKeyWorks(app(), tenant.writeKey, tenant.bucketId);
  });
});

describe('GET /api/keys', () => {
  it('lists only the organization’s admin keys', async () => {
    const tenant = await createTenant(app());
    const stranger = await createOrganization(app());
    const res = await app().http.get('/api/keys').set('X-API-Key', tenant.adminKey).expect(200);
    expect(Object.keys(res.body)).toEqual(['apiKeys']);
    expect(res.body.apiKeys).toHaveLength(1);
    const [listed] = res.body.apiKeys;
    expect(Object.keys(listed).sort()).toEqual(listedKeyFields);
    expect(listed).toMatchObject({
      _id: tenant.adminKeyId,
      type: 'admin',
      bucketId: null,
      keyPrefix: `${tenant.adminKey.slice(0, 12)}...`,
    });
    const dump = JSON.stringify(res.body);
    expect(dump).not.toContain(secretOf(tenant.adminKey));
    expect(dump).not.toContain(stranger.adminKeyId);

    // The organization has three keys stored; only the admin one is listed.
    expect(await ApiKeyModel.countDocuments({ organizationId: new Types.ObjectId(tenant.organizationId) })).toBe(3);
  });

  it('refuses a write key with 403 "Only Admin keys can list API keys"', async () => {
    const tenant = await createTenant(app());
    const res = await app().http.get('/api/keys').set('X-API-Key', tenant.writeKey);
    expectError(res, 403, 'Forbidden', 'Only Admin keys can list API keys');
  });
});

describe('POST /api/keys', () => {
  it('creates a working admin key for the organization', async () => {
    const org = await createOrganization(app());
    const res = await app().http.post('/api/keys').set('X-API-Key', org.adminKey).send({ name: 'ops' }).expect(201);
    expect(res.body.message).toBe('API key created successfully');
    const apiKey = res.body.apiKey;
    expect(Object.keys(apiKey).sort()).toEqual(createdKeyFields);
    expect(apiKey).toMatchObject({ name: 'ops', type: 'admin', bucketId: null, expiresAt: null });
    expect(apiKey.key).toMatch(/^dakkio_a_[0-9A-Za-z]{40}$/);
    expect(apiKey.keyPrefix).toBe(`${apiKey.key.slice(0, 12)}...`);

    const stored = await ApiKeyModel.findById(apiKey._id).lean();
    expect(stored).toMatchObject({ type: 'admin', bucketId: null, name: 'ops' });
    expect(stored?.organizationId.toHexString()).toBe(org.organizationId);
    expect(stored?.keyHash).toMatch(bcryptHash);
    expect(JSON.stringify(stored)).not.toContain(secretOf(apiKey.key));

    // It reaches the same organization.
    const bucketId = await createBucket(app(), apiKey.key);
    expect(
      (await app().http.get('/api/buckets').set('X-API-Key', org.adminKey).expect(200)).body.buckets.map((b: { _id: string }) => b._id),
    ).toEqual([bucketId]);
    const listed = await app().http.get('/api/keys').set('X-API-Key', apiKey.key).expect(200);
    expect(listed.body.apiKeys.map((k: { _id: string }) => k._id).sort()).toEqual([org.adminKeyId, apiKey._id].sort());
  });

  it('refuses a write key with 403 and creates nothing', async () => {
    const tenant = await createTenant(app());
    const res = await app().http.post('/api/keys').set('X-API-Key', tenant.writeKey).send({ name: 'escalate' });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('Forbidden');
    expect(await ApiKeyModel.exists({ name: 'escalate' })).toBeNull();
  });
});

describe('DELETE /api/keys/:keyId', () => {
  it('deletes an admin key while another working one exists; the deleted key gets 401', async () => {
    const org = await createOrganization(app());
    const second = await app().http.post('/api/keys').set('X-API-Key', org.adminKey).send({ name: 'second' }).expect(201);

    const res = await app().http.delete(`/api/keys/${second.body.apiKey._id}`).set('X-API-Key', org.adminKey).expect(200);
    expect(res.body).toEqual({
      message: 'API key deleted successfully',
      deletedKey: { _id: second.body.apiKey._id, name: 'second', type: 'admin' },
    });
    expect(await ApiKeyModel.exists({ _id: second.body.apiKey._id })).toBeNull();
    await expectKeyRejected(app(), second.body.apiKey.key, null);
    await expectKeyWorks(app(), org.adminKey, null);
  });

  it('lets an admin key delete itself when another exists', async () => {
    const org = await createOrganization(app());
    const second = await app().http.post('/api/keys').set('X-API-Key', org.adminKey).send({ name: 'second' }).expect(201);
    await app().http.delete(`/api/keys/${org.adminKeyId}`).set('X-API-Key', org.adminKey).expect(200);
    expect(await ApiKeyModel.exists({ _id: org.adminKeyId })).toBeNull();
    await expectKeyRejected(app(), org.adminKey, null);
    await expectKeyWorks(app(), second.body.apiKey.key, null);
  });

  it('refuses to delete the last admin key with 409 and keeps it', async () => {
    const tenant = await createTenant(app());
    const res = await app().http.delete(`/api/keys/${tenant.adminKeyId}`).set('X-API-Key', tenant.adminKey);
    expectError(res, 409, 'Conflict', 'Cannot delete the last admin key');
    expect(await ApiKeyModel.exists({ _id: tenant.adminKeyId })).not.toBeNull();
    await expectKeyWorks(app(), tenant.adminKey, null);
  });

  it('does not count an expired admin key as another one', async () => {
    const org = await createOrganization(app());
    const expired = await app().http.post('/api/keys').set('X-API-Key', org.adminKey).send({ name: 'old' }).expect(201);
    await ApiKeyModel.updateOne({ _id: expired.body.apiKey._id }, { $set: { expiresAt: new Date(Date.now() - 1000) } });

    const res = await app().http.delete(`/api/keys/${org.adminKeyId}`).set('X-API-Key', org.adminKey);
    expectError(res, 409, 'Conflict', 'Cannot delete the last admin key');
    expect(await ApiKeyModel.exists({ _id: org.adminKeyId })).not.toBeNull();
    await expectKeyWorks(app(), org.adminKey, null);
  });

  it('answers 404 "API key not found" for a bucket key, another organization’s admin key and an unknown id', async () => {
    const tenant = await createTenant(app());
    const stranger = await createOrganization(app());
    // A second admin key, so a 409 cannot hide the 404.
    await app().http.post('/api/keys').set('X-API-Key', tenant.adminKey).send({ name: 'spare' }).expect(201);
    await app().http.post('/api/keys').set('X-API-Key', stranger.adminKey).send({ name: 'spare' }).expect(201);

    for (const keyId of [tenant.writeKeyId, stranger.adminKeyId, new Types.ObjectId().toHexString()]) {
      const res = await app().http.delete(`/api/keys/${keyId}`).set('X-API-Key', tenant.adminKey);
      expectError(res, 404, 'Not Found', 'API key not found');
    }
    expect(await ApiKeyModel.exists({ _id: tenant.writeKeyId })).not.toBeNull();
    expect(await ApiKeyModel.exists({ _id: stranger.adminKeyId })).not.toBeNull();
  });
});

describe('lastUsedAt', () => {
  it('is null for a new key and set after the key is used', async () => {
    const tenant = await createTenant(app());
    const fresh = await createBucketKey(app(), tenant.adminKey, tenant.bucketId, 'write');
    expect((await ApiKeyModel.findById(fresh.id).lean())?.lastUsedAt).toBeNull();
    const listedBefore = (await listBucketKeys(tenant.adminKey, tenant.bucketId)).find((k) => k._id === fresh.id);
    expect(listedBefore?.lastUsedAt).toBeNull();

    const before = Date.now();
    await expectKeyWorks(app(), fresh.key, tenant.bucketId);
    const lastUsedAt = await waitFor(async () => (await ApiKeyModel.findById(fresh.id).lean())?.lastUsedAt);
    expect(lastUsedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(lastUsedAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);

    const listedAfter = (await listBucketKeys(tenant.adminKey, tenant.bucketId)).find((k) => k._id === fresh.id);
    expect(listedAfter?.lastUsedAt).toBe(lastUsedAt.toISOString());
  });

  it('is set for an admin key after use', async () => {
    const org = await createOrganization(app());
    expect((await ApiKeyModel.findById(org.adminKeyId).lean())?.lastUsedAt).toBeNull();
    await useAdminKey(org.adminKey).expect(200);
    const lastUsedAt = await waitFor(async () => (await ApiKeyModel.findById(org.adminKeyId).lean())?.lastUsedAt);
    expect(lastUsedAt).toBeInstanceOf(Date);
  });
});

describe('rate limits', () => {
  // A second app with a small per-key limit, beside the file's own.
  const limited = useTestApp({ RATE_LIMIT_PER_KEY: '3' });
  const windowMs = () => limited().config.RATE_LIMIT_WINDOW_MS;

  it('counts requests per key, reports them in headers, and answers the 4th with 429', async () => {
    const org = await createOrganization(limited());
    const remaining: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const res = await limited().http.get('/api/buckets').set('X-API-Key', org.adminKey).expect(200);
      expectRateLimitHeaders(res, windowMs());
      expect(res.headers['x-ratelimit-limit']).toBe('3');
      remaining.push(res.headers['x-ratelimit-remaining'] ?? '');
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const res = await limited().http.post('/api/buckets').set('X-API-Key', org.adminKey).send({ name: 'over the limit' });
    expectRateLimited(res, windowMs());

    // The refused request did nothing.
    expect(await ApiKeyModel.db.collection('buckets').countDocuments({ organizationId: new Types.ObjectId(org.organizationId) })).toBe(0);
  });

  it('limits each key separately', async () => {
    const first = await createOrganization(limited());
    const second = await createOrganization(limited());
    for (let i = 0; i < 3; i += 1) await limited().http.get('/api/buckets').set('X-API-Key', first.adminKey).expect(200);
    await limited().http.get('/api/buckets').set('X-API-Key', first.adminKey).expect(429);
    const other = await limited().http.get('/api/buckets').set('X-API-Key', second.adminKey).expect(200);
    expect(other.headers['x-ratelimit-remaining']).toBe('2');
  });

  it('puts the headers on 401 responses (counted per client IP)', async () => {
    const res = await limited()
      .http.get('/api/buckets')
      .set('X-API-Key', `dakkio_a_${'0'.repeat(40)}`);
    expectUnauthorized(res);
    expectRateLimitHeaders(res, windowMs());
    expect(res.headers['x-ratelimit-limit']).toBe(String(limited().config.RATE_LIMIT_PER_IP));
  });

  // api.md §7: "Every response carries" the headers, so refusals after authentication do too.
  it('puts the headers on 403 responses', async () => {
    const org = await createOrganization(limited());
    const bucketId = await createBucket(limited(), org.adminKey);
    const write = await createBucketKey(limited(), org.adminKey, bucketId, 'write');
    const forbidden = await limited().http.get('/api/buckets').set('X-API-Key', write.key);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error).toBe('Forbidden');
    expectRateLimitHeaders(forbidden, windowMs());
  });

  it('puts the headers on 404 "Bucket not found" responses', async () => {
    const org = await createOrganization(limited());
    const missing = await limited().http.get(`/api/buckets/${new Types.ObjectId().toHexString()}`).set('X-API-Key', org.adminKey);
    expectError(missing, 404, 'Not Found', 'Bucket not found');
    expectRateLimitHeaders(missing, windowMs());
  });
});
