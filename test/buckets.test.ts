import mongoose, { Types } from 'mongoose';
import { BucketModel } from '../src/modules/buckets/model';
import { ApiKeyModel } from '../src/modules/keys/model';
import { expectError, expectKeyRejected, expectKeyWorks, expectNotFound } from './support/assertions';
import { createBucket, createBucketKey, createOrganization, createTenant } from './support/tenants';
import { useTestApp } from './support/testApp';

const app = useTestApp();

const bucketFields = ['_id', 'createdAt', 'description', 'name', 'organizationId', 'retentionDays', 'updatedAt'];

const raw = (name: 'datasources' | 'datapoints' | 'alertrules') => mongoose.connection.collection(name);

/**
 * Inserts documents belonging to a bucket straight into its collections (alert rules have no
 * API), so the counts the bucket routes report are known exactly.
 */
async function insertBucketData(bucketId: string, counts: { dataSources: number; dataPoints: number; alertRules: number }) {
  const owner = { bucketId: new Types.ObjectId(bucketId) };
  const sourceIds: Types.ObjectId[] = [];
  for (let i = 0; i < counts.dataSources; i += 1) {
    const _id = new Types.ObjectId();
    sourceIds.push(_id);
    await raw('datasources').insertOne({ _id, ...owner, name: `source ${i}`, type: 'sensor', schema: { t: { type: 'number' } } });
  }
  for (let i = 0; i < counts.dataPoints; i += 1) {
    await raw('datapoints').insertOne({
      ...owner,
      dataSourceId: sourceIds[0] ?? new Types.ObjectId(),
      timestamp: new Date(Date.UTC(2024, 0, 1, 0, i)),
      values: { t: i },
    });
  }
  for (let i = 0; i < counts.alertRules; i += 1) {
    await raw('alertrules').insertOne({ ...owner, name: `rule ${i}`, condition: { field: 't', operator: 'gt', value: 30 } });
  }
}

const countsFor = async (bucketId: string) => {
  const filter = { bucketId: new Types.ObjectId(bucketId) };
  return {
    dataSources: await raw('datasources').countDocuments(filter),
    dataPoints: await raw('datapoints').countDocuments(filter),
    alertRules: await raw('alertrules').countDocuments(filter),
    apiKeys: await ApiKeyModel.countDocuments(filter),
  };
};

describe('POST /api/buckets', () => {
  it('creates a bucket in the key’s organization', async () => {
    const tenant = await createTenant(app());
    const res = await app()
      .http.post('/api/buckets')
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

  it('defaults description to "" and retentionDays to 365, and returns exactly the bucket fields', async () => {
    const org = await createOrganization(app());
    const res = await app().http.post('/api/buckets').set('X-API-Key', org.adminKey).send({ name: 'plain' }).expect(201);
    expect(Object.keys(res.body).sort()).toEqual(['bucket', 'message']);
    expect(Object.keys(res.body.bucket).sort()).toEqual(bucketFields);
    expect(res.body.bucket).toMatchObject({ name: 'plain', description: '', retentionDays: 365, organizationId: org.organizationId });
    expect(res.body.bucket._id).toMatch(/^[0-9a-f]{24}$/);
    expect(new Date(res.body.bucket.createdAt).toISOString()).toBe(res.body.bucket.createdAt);

    const stored = await BucketModel.findById(res.body.bucket._id).lean();
    expect(stored).toMatchObject({ name: 'plain', description: '', retentionDays: 365 });
  });

  it('rejects a second bucket with the same name in one organization with 409 and stores only one', async () => {
    const org = await createOrganization(app());
    await createBucket(app(), org.adminKey, 'weather');
    const res = await app().http.post('/api/buckets').set('X-API-Key', org.adminKey).send({ name: 'weather' }).expect(409);
    expectError(res, 409, 'Conflict', 'A bucket with this name already exists');

    const stored = await BucketModel.find({ organizationId: new Types.ObjectId(org.organizationId), name: 'weather' }).lean();
    expect(stored).toHaveLength(1);
  });

  it('allows the same name in another organization', async () => {
    const first = await createOrganization(app());
    const second = await createOrganization(app());
    const firstId = await createBucket(app(), first.adminKey, 'shared name');
    const res = await app().http.post('/api/buckets').set('X-API-Key', second.adminKey).send({ name: 'shared name' }).expect(201);
    expect(res.body.bucket.organizationId).toBe(second.organizationId);

    const stored = await BucketModel.find({ name: 'shared name', _id: { $in: [firstId, res.body.bucket._id] } }).lean();
    expect(stored.map((b) => b.organizationId.toHexString()).sort()).toEqual([first.organizationId, second.organizationId].sort());
  });
});

describe('GET /api/buckets', () => {
  it('lists only the organization’s buckets with default pagination (limit 100, offset 0)', async () => {
    const org = await createOrganization(app());
    const other = await createOrganization(app());
    const ids = [
      await createBucket(app(), org.adminKey, 'a'),
      await createBucket(app(), org.adminKey, 'b'),
      await createBucket(app(), org.adminKey, 'c'),
    ];
    const foreignId = await createBucket(app(), other.adminKey, 'a');

    const res = await app().http.get('/api/buckets').set('X-API-Key', org.adminKey).expect(200);
    expect(Object.keys(res.body).sort()).toEqual(['buckets', 'pagination']);
    expect(res.body.pagination).toEqual({ limit: 100, offset: 0, total: 3, hasMore: false });
    expect(res.body.buckets.map((b: { _id: string }) => b._id).sort()).toEqual([...ids].sort());
    expect(res.body.buckets.map((b: { _id: string }) => b._id)).not.toContain(foreignId);
    for (const bucket of res.body.buckets) {
      expect(Object.keys(bucket).sort()).toEqual(bucketFields);
      expect(bucket.organizationId).toBe(org.organizationId);
    }

    // Listing changes nothing, and the other organization still has its own bucket.
    expect(await BucketModel.countDocuments({ organizationId: new Types.ObjectId(org.organizationId) })).toBe(3);
    expect(await BucketModel.countDocuments({ organizationId: new Types.ObjectId(other.organizationId) })).toBe(1);

    const otherRes = await app().http.get('/api/buckets').set('X-API-Key', other.adminKey).expect(200);
    expect(otherRes.body.pagination).toEqual({ limit: 100, offset: 0, total: 1, hasMore: false });
    expect(otherRes.body.buckets.map((b: { _id: string }) => b._id)).toEqual([foreignId]);
  });

  it('pages with limit and offset, reporting total and hasMore', async () => {
    const org = await createOrganization(app());
    const ids: string[] = [];
    for (const name of ['one', 'two', 'three', 'four', 'five']) ids.push(await createBucket(app(), org.adminKey, name));

    const first = await app().http.get('/api/buckets?limit=2').set('X-API-Key', org.adminKey).expect(200);
    expect(first.body.pagination).toEqual({ limit: 2, offset: 0, total: 5, hasMore: true });
    expect(first.body.buckets).toHaveLength(2);

    const middle = await app().http.get('/api/buckets?limit=2&offset=2').set('X-API-Key', org.adminKey).expect(200);
    expect(middle.body.pagination).toEqual({ limit: 2, offset: 2, total: 5, hasMore: true });
    expect(middle.body.buckets).toHaveLength(2);

    const last = await app().http.get('/api/buckets?limit=2&offset=4').set('X-API-Key', org.adminKey).expect(200);
    expect(last.body.pagination).toEqual({ limit: 2, offset: 4, total: 5, hasMore: false });
    expect(last.body.buckets).toHaveLength(1);

    const beyond = await app().http.get('/api/buckets?offset=10').set('X-API-Key', org.adminKey).expect(200);
    expect(beyond.body.pagination).toEqual({ limit: 100, offset: 10, total: 5, hasMore: false });
    expect(beyond.body.buckets).toEqual([]);

    // The pages are disjoint and together cover every bucket.
    const seen = [...first.body.buckets, ...middle.body.buckets, ...last.body.buckets].map((b: { _id: string }) => b._id);
    expect(new Set(seen).size).toBe(5);
    expect([...seen].sort()).toEqual([...ids].sort());
    expect(await BucketModel.countDocuments({ organizationId: new Types.ObjectId(org.organizationId) })).toBe(5);
  });

  it('rejects a limit above 1000 or below 1 and a negative offset with 400', async () => {
    const org = await createOrganization(app());
    for (const query of ['limit=1001', 'limit=0', 'offset=-1', 'limit=abc']) {
      const res = await app().http.get(`/api/buckets?${query}`).set('X-API-Key', org.adminKey);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'Validation Error', message: 'Invalid request parameters' });
      expect(res.body.details.length).toBeGreaterThan(0);
    }
    const ok = await app().http.get('/api/buckets?limit=1000').set('X-API-Key', org.adminKey).expect(200);
    expect(ok.body.pagination).toEqual({ limit: 1000, offset: 0, total: 0, hasMore: false });
  });
});

describe('GET /api/buckets/:bucketId', () => {
  it('returns the bucket with stats counting its data sources, data points and API keys', async () => {
    const tenant = await createTenant(app());
    await insertBucketData(tenant.bucketId, { dataSources: 2, dataPoints: 3, alertRules: 1 });
    // Another bucket's data and keys do not count.
    const otherBucket = await createBucket(app(), tenant.adminKey);
    await createBucketKey(app(), tenant.adminKey, otherBucket, 'read');
    await insertBucketData(otherBucket, { dataSources: 1, dataPoints: 4, alertRules: 0 });

    const res = await app().http.get(`/api/buckets/${tenant.bucketId}`).set('X-API-Key', tenant.adminKey).expect(200);
    expect(Object.keys(res.body)).toEqual(['bucket']);
    expect(Object.keys(res.body.bucket).sort()).toEqual([...bucketFields, 'stats'].sort());
    expect(res.body.bucket).toMatchObject({
      _id: tenant.bucketId,
      organizationId: tenant.organizationId,
      description: '',
      retentionDays: 365,
    });
    // write + read key of this bucket; the admin key belongs to the organization, not the bucket.
    expect(res.body.bucket.stats).toEqual({ dataSourceCount: 2, dataPointCount: 3, apiKeyCount: 2 });

    const stored = await BucketModel.findById(tenant.bucketId).lean();
    expect(stored?.name).toBe(res.body.bucket.name);
    expect(await countsFor(tenant.bucketId)).toEqual({ dataSources: 2, dataPoints: 3, alertRules: 1, apiKeys: 2 });
  });

  it('reports zero counts for an empty bucket and tracks keys as they are added', async () => {
    const org = await createOrganization(app());
    const bucketId = await createBucket(app(), org.adminKey);
    const empty = await app().http.get(`/api/buckets/${bucketId}`).set('X-API-Key', org.adminKey).expect(200);
    expect(empty.body.bucket.stats).toEqual({ dataSourceCount: 0, dataPointCount: 0, apiKeyCount: 0 });

    await createBucketKey(app(), org.adminKey, bucketId, 'write');
    const withKey = await app().http.get(`/api/buckets/${bucketId}`).set('X-API-Key', org.adminKey).expect(200);
    expect(withKey.body.bucket.stats).toEqual({ dataSourceCount: 0, dataPointCount: 0, apiKeyCount: 1 });
    expect(await ApiKeyModel.countDocuments({ bucketId: new Types.ObjectId(bucketId) })).toBe(1);
  });

  it('answers 404 "Bucket not found" for another organization’s bucket and for a missing one', async () => {
    const tenant = await createTenant(app());
    const stranger = await createOrganization(app());
    const foreign = await app().http.get(`/api/buckets/${tenant.bucketId}`).set('X-API-Key', stranger.adminKey).expect(404);
    expectNotFound(foreign, 'Bucket not found');
    const missing = await app()
      .http.get(`/api/buckets/${new Types.ObjectId().toHexString()}`)
      .set('X-API-Key', stranger.adminKey)
      .expect(404);
    expectNotFound(missing, 'Bucket not found');
    expect(await BucketModel.exists({ _id: tenant.bucketId })).not.toBeNull();
  });

  it('answers 400 "Invalid bucket ID format" for a malformed id', async () => {
    const org = await createOrganization(app());
    const res = await app().http.get('/api/buckets/not-an-id').set('X-API-Key', org.adminKey).expect(400);
    expect(res.body).toMatchObject({ error: 'Validation Error', message: 'Invalid bucket ID format' });
  });
});

describe('PATCH /api/buckets/:bucketId', () => {
  it('updates name, description and retentionDays', async () => {
    const org = await createOrganization(app());
    const bucketId = await createBucket(app(), org.adminKey, 'before');
    const before = await BucketModel.findById(bucketId).lean();

    const res = await app()
      .http.patch(`/api/buckets/${bucketId}`)
      .set('X-API-Key', org.adminKey)
      .send({ name: 'after', description: 'renamed', retentionDays: 7 })
      .expect(200);
    expect(res.body.message).toBe('Bucket updated successfully');
    expect(Object.keys(res.body).sort()).toEqual(['bucket', 'message']);
    expect(Object.keys(res.body.bucket).sort()).toEqual(bucketFields);
    expect(res.body.bucket).toMatchObject({
      _id: bucketId,
      name: 'after',
      description: 'renamed',
      retentionDays: 7,
      organizationId: org.organizationId,
    });

    const stored = await BucketModel.findById(bucketId).lean();
    expect(stored).toMatchObject({ name: 'after', description: 'renamed', retentionDays: 7 });
    expect(stored?.createdAt.toISOString()).toBe(before?.createdAt.toISOString());
    expect(stored!.updatedAt.getTime()).toBeGreaterThanOrEqual(before!.updatedAt.getTime());
  });

  it('changes only the fields sent', async () => {
    const org = await createOrganization(app());
    const created = await app()
      .http.post('/api/buckets')
      .set('X-API-Key', org.adminKey)
      .send({ name: 'partial', description: 'keep me', retentionDays: 90 })
      .expect(201);
    const bucketId = created.body.bucket._id as string;

    const res = await app().http.patch(`/api/buckets/${bucketId}`).set('X-API-Key', org.adminKey).send({ retentionDays: 30 }).expect(200);
    expect(res.body.bucket).toMatchObject({ name: 'partial', description: 'keep me', retentionDays: 30 });
    expect(await BucketModel.findById(bucketId).lean()).toMatchObject({ name: 'partial', description: 'keep me', retentionDays: 30 });
  });

  it('rejects renaming to another bucket’s name in the organization with 409 and leaves both unchanged', async () => {
    const org = await createOrganization(app());
    const takenId = await createBucket(app(), org.adminKey, 'taken');
    const bucketId = await createBucket(app(), org.adminKey, 'mine');

    const res = await app()
      .http.patch(`/api/buckets/${bucketId}`)
      .set('X-API-Key', org.adminKey)
      .send({ name: 'taken', description: 'should not stick' })
      .expect(409);
    expectError(res, 409, 'Conflict', 'A bucket with this name already exists');

    expect(await BucketModel.findById(bucketId).lean()).toMatchObject({ name: 'mine', description: '' });
    expect(await BucketModel.findById(takenId).lean()).toMatchObject({ name: 'taken' });
    expect(await BucketModel.countDocuments({ organizationId: new Types.ObjectId(org.organizationId), name: 'taken' })).toBe(1);
  });

  it('allows keeping its own name and taking a name used only in another organization', async () => {
    const org = await createOrganization(app());
    const other = await createOrganization(app());
    await createBucket(app(), other.adminKey, 'elsewhere');
    const bucketId = await createBucket(app(), org.adminKey, 'same');

    await app().http.patch(`/api/buckets/${bucketId}`).set('X-API-Key', org.adminKey).send({ name: 'same', retentionDays: 10 }).expect(200);
    const res = await app().http.patch(`/api/buckets/${bucketId}`).set('X-API-Key', org.adminKey).send({ name: 'elsewhere' }).expect(200);
    expect(res.body.bucket.name).toBe('elsewhere');
    expect(await BucketModel.findById(bucketId).lean()).toMatchObject({ name: 'elsewhere', retentionDays: 10 });
  });

  it('answers 404 for another organization’s bucket and does not change it', async () => {
    const tenant = await createTenant(app());
    const stranger = await createOrganization(app());
    const before = await BucketModel.findById(tenant.bucketId).lean();
    const res = await app()
      .http.patch(`/api/buckets/${tenant.bucketId}`)
      .set('X-API-Key', stranger.adminKey)
      .send({ name: 'hijacked' })
      .expect(404);
    expectNotFound(res, 'Bucket not found');
    expect((await BucketModel.findById(tenant.bucketId).lean())?.name).toBe(before?.name);
  });
});

describe('DELETE /api/buckets/:bucketId', () => {
  it('deletes the bucket with its data sources, points, keys and alert rules, and reports the counts', async () => {
    const tenant = await createTenant(app());
    const bucketName = (await BucketModel.findById(tenant.bucketId).lean())!.name;
    await insertBucketData(tenant.bucketId, { dataSources: 2, dataPoints: 5, alertRules: 3 });

    const res = await app().http.delete(`/api/buckets/${tenant.bucketId}`).set('X-API-Key', tenant.adminKey).expect(200);
    expect(res.body).toEqual({
      message: 'Bucket deleted successfully',
      deletedBucket: { _id: tenant.bucketId, name: bucketName },
      deletedResources: { dataSources: 2, dataPoints: 5, apiKeys: 2, alertRules: 3 },
    });

    expect(await BucketModel.findById(tenant.bucketId).lean()).toBeNull();
    expect(await countsFor(tenant.bucketId)).toEqual({ dataSources: 0, dataPoints: 0, alertRules: 0, apiKeys: 0 });
    // The organization's admin key is not a bucket key and survives.
    expect(await ApiKeyModel.exists({ _id: tenant.adminKeyId })).not.toBeNull();

    const again = await app().http.get(`/api/buckets/${tenant.bucketId}`).set('X-API-Key', tenant.adminKey).expect(404);
    expectNotFound(again, 'Bucket not found');
  });

  it('leaves another bucket’s data and keys untouched', async () => {
    const tenant = await createTenant(app());
    const otherBucket = await createBucket(app(), tenant.adminKey);
    const otherKey = await createBucketKey(app(), tenant.adminKey, otherBucket, 'write');
    await insertBucketData(tenant.bucketId, { dataSources: 1, dataPoints: 2, alertRules: 1 });
    await insertBucketData(otherBucket, { dataSources: 3, dataPoints: 4, alertRules: 2 });

    await app().http.delete(`/api/buckets/${tenant.bucketId}`).set('X-API-Key', tenant.adminKey).expect(200);

    expect(await countsFor(otherBucket)).toEqual({ dataSources: 3, dataPoints: 4, alertRules: 2, apiKeys: 1 });
    expect(await BucketModel.exists({ _id: otherBucket })).not.toBeNull();
    // The other bucket's key still authenticates (403 from an admin-only route, not 401).
    await expectKeyWorks(app(), otherKey.key, otherBucket);
  });

  it('makes the bucket’s write and read keys fail with 401 on their next request', async () => {
    const tenant = await createTenant(app());
    // Both keys work before: they authenticate, and only the admin-only route refuses them.
    await expectKeyWorks(app(), tenant.writeKey, tenant.bucketId);
    await expectKeyWorks(app(), tenant.readKey, tenant.bucketId);

    await app().http.delete(`/api/buckets/${tenant.bucketId}`).set('X-API-Key', tenant.adminKey).expect(200);

    for (const key of [tenant.writeKey, tenant.readKey]) await expectKeyRejected(app(), key, tenant.bucketId);
    expect(await ApiKeyModel.exists({ _id: { $in: [tenant.writeKeyId, tenant.readKeyId] } })).toBeNull();
  });

  it('answers 404 for another organization’s bucket and deletes nothing', async () => {
    const tenant = await createTenant(app());
    const stranger = await createOrganization(app());
    await insertBucketData(tenant.bucketId, { dataSources: 1, dataPoints: 1, alertRules: 1 });

    const res = await app().http.delete(`/api/buckets/${tenant.bucketId}`).set('X-API-Key', stranger.adminKey).expect(404);
    expectNotFound(res, 'Bucket not found');
    expect(await BucketModel.exists({ _id: tenant.bucketId })).not.toBeNull();
    expect(await countsFor(tenant.bucketId)).toEqual({ dataSources: 1, dataPoints: 1, alertRules: 1, apiKeys: 2 });
  });

  it('refuses a write key with 403 and deletes nothing', async () => {
    const tenant = await createTenant(app());
    const res = await app().http.delete(`/api/buckets/${tenant.bucketId}`).set('X-API-Key', tenant.writeKey).expect(403);
    expect(res.body).toMatchObject({ error: 'Forbidden' });
    expect(await BucketModel.exists({ _id: tenant.bucketId })).not.toBeNull();
    expect(await ApiKeyModel.countDocuments({ bucketId: new Types.ObjectId(tenant.bucketId) })).toBe(2);
  });
});
