import mongoose, { Types } from 'mongoose';
import { DataSourceModel } from '../src/modules/sources/model';
import { createBucket, createBucketKey, createOrganization, createTenant, type Tenant } from './support/tenants';
import { expectError, expectValidationErrorAt } from './support/assertions';
import { useTestApp } from './support/testApp';

const app = useTestApp();

const dataSourceFields = ['_id', 'bucketId', 'createdAt', 'description', 'downsampling', 'name', 'schema', 'status', 'type', 'updatedAt'];

const expectIso = (value: unknown) => {
  expect(typeof value).toBe('string');
  expect(new Date(value as string).toISOString()).toBe(value);
};

const sourcesPath = (bucketId: string) => `/api/buckets/${bucketId}/sources`;
const sourcePath = (bucketId: string, sourceId: string) => `/api/buckets/${bucketId}/sources/${sourceId}`;

const createSource = async (key: string, bucketId: string, body: object = {}) => {
  const res = await app()
    .http.post(sourcesPath(bucketId))
    .set('X-API-Key', key)
    .send({ name: `source ${new Types.ObjectId().toHexString()}`, schema: { temperature: 'number' }, ...body })
    .expect(201);
  return res.body.dataSource as Record<string, unknown> & { _id: string; name: string };
};

const storedSources = (bucketId: string) => DataSourceModel.find({ bucketId: new Types.ObjectId(bucketId) }).lean();
const storedSource = (sourceId: string) => DataSourceModel.findById(sourceId).lean();

const points = () => mongoose.connection.collection('datapoints');
const insertPoints = async (bucketId: string, dataSourceId: string, count: number) => {
  await points().insertMany(
    Array.from({ length: count }, (_, i) => ({
      bucketId: new Types.ObjectId(bucketId),
      dataSourceId: new Types.ObjectId(dataSourceId),
      timestamp: new Date(Date.now() - i * 1000),
      values: { temperature: 20 + i },
    })),
  );
};
const pointCount = (dataSourceId: string) => points().countDocuments({ dataSourceId: new Types.ObjectId(dataSourceId) });

describe('POST /api/buckets/:bucketId/sources', () => {
  it('creates a data source from the full schema form, with the documented defaults', async () => {
    const tenant = await createTenant(app());
    const res = await app()
      .http.post(sourcesPath(tenant.bucketId))
      .set('X-API-Key', tenant.writeKey)
      .send({ name: 'Living room', schema: { temperature: { type: 'number', unit: '°C' } } })
      .expect(201);

    expect(Object.keys(res.body).sort()).toEqual(['dataSource', 'message']);
    expect(res.body.message).toBe('Data source created successfully');
    const source = res.body.dataSource;
    expect(Object.keys(source).sort()).toEqual(dataSourceFields);
    expect(source).toEqual({
      _id: expect.stringMatching(/^[0-9a-f]{24}$/),
      bucketId: tenant.bucketId,
      name: 'Living room',
      type: 'sensor',
      description: '',
      schema: { temperature: { type: 'number', unit: '°C' } },
      downsampling: true,
      status: 'active',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expectIso(source.createdAt);
    expectIso(source.updatedAt);

    const stored = await storedSources(tenant.bucketId);
    expect(stored).toHaveLength(1);
    const doc = stored[0]!;
    expect(doc._id.toHexString()).toBe(source._id);
    expect(doc).toMatchObject({
      name: 'Living room',
      type: 'sensor',
      description: '',
      schema: { temperature: { type: 'number', unit: '°C' } },
      downsampling: true,
      status: 'active',
    });
    expect(doc.bucketId.toHexString()).toBe(tenant.bucketId);
    expect(doc.createdAt.toISOString()).toBe(source.createdAt);
    expect(doc.updatedAt.toISOString()).toBe(source.updatedAt);
  });

  it('accepts the shorthand schema and stores it normalized to the full form', async () => {
    const tenant = await createTenant(app());
    const res = await app()
      .http.post(sourcesPath(tenant.bucketId))
      .set('X-API-Key', tenant.adminKey)
      .send({
        name: 'Weather station',
        type: 'station',
        description: 'On the roof',
        downsampling: false,
        schema: { humidity: 'number', label: 'string', ok: 'boolean' },
      })
      .expect(201);
    const expectedSchema = { humidity: { type: 'number' }, label: { type: 'string' }, ok: { type: 'boolean' } };
    expect(res.body.dataSource).toMatchObject({
      name: 'Weather station',
      type: 'station',
      description: 'On the roof',
      downsampling: false,
      status: 'active',
      schema: expectedSchema,
    });
    expect(res.body.dataSource.schema).toEqual(expectedSchema);

    const stored = await storedSource(res.body.dataSource._id);
    expect(stored?.schema).toEqual(expectedSchema);
    expect(stored).toMatchObject({ type: 'station', description: 'On the roof', downsampling: false });
  });

  it('answers 409 for a name already used in the bucket and stores one; the same name in another bucket is fine', async () => {
    const tenant = await createTenant(app());
    await createSource(tenant.writeKey, tenant.bucketId, { name: 'boiler' });
    const again = await app()
      .http.post(sourcesPath(tenant.bucketId))
      .set('X-API-Key', tenant.writeKey)
      .send({ name: 'boiler', schema: { pressure: 'number' } });
    expectError(again, 409, 'Conflict', 'A data source with this name already exists in this bucket');
    const stored = await storedSources(tenant.bucketId);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.schema).toEqual({ temperature: { type: 'number' } });

    const otherBucket = await createBucket(app(), tenant.adminKey);
    const other = await createSource(tenant.adminKey, otherBucket, { name: 'boiler' });
    expect(other.bucketId).toBe(otherBucket);
    expect(await storedSources(otherBucket)).toHaveLength(1);
    expect(await DataSourceModel.countDocuments({ name: 'boiler' })).toBe(2);
  });

  describe('rejects a bad body with 400 and stores nothing', () => {
    const cases: Array<[string, object, (string | number)[][]]> = [
      ['an empty schema', { schema: {} }, [['body', 'schema']]],
      ['an unknown field type', { schema: { temperature: 'float' } }, [['body', 'schema', 'temperature']]],
      ['an unknown type in the full form', { schema: { temperature: { type: 'float' } } }, [['body', 'schema', 'temperature']]],
      ['a $-prefixed field name', { schema: { $gt: 'number' } }, [['body', 'schema', '$gt']]],
      ['a $where field name', { schema: { $where: 'string' } }, [['body', 'schema', '$where']]],
      ['a dotted field name', { schema: { 'a.b': 'number' } }, [['body', 'schema', 'a.b']]],
      ['the field name constructor', { schema: { constructor: 'number' } }, [['body', 'schema', 'constructor']]],
      ['the field name prototype', { schema: { prototype: 'number' } }, [['body', 'schema', 'prototype']]],
      ['a field name starting with a digit', { schema: { '1abc': 'number' } }, [['body', 'schema', '1abc']]],
      ['an empty field name', { schema: { '': 'number' } }, [['body', 'schema', '']]],
      ['a 65-character field name', { schema: { ['a'.repeat(65)]: 'number' } }, [['body', 'schema', 'a'.repeat(65)]]],
      ['101 fields', { schema: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`f${i}`, 'number'])) }, [['body', 'schema']]],
      [
        'a field definition with an extra key',
        { schema: { temperature: { type: 'number', min: 0 } } },
        [['body', 'schema', 'temperature', 'min']],
      ],
      ['a field definition without a type', { schema: { temperature: { unit: '°C' } } }, [['body', 'schema', 'temperature']]],
      ['a schema that is an array', { schema: [{ type: 'number' }] }, [['body', 'schema']]],
      ['a schema that is a string', { schema: 'number' }, [['body', 'schema']]],
      ['a schema that is null', { schema: null }, [['body', 'schema']]],
      ['a missing schema', { schema: undefined }, [['body', 'schema']]],
      ['a missing name', { name: undefined }, [['body', 'name']]],
      ['a blank name', { name: '   ' }, [['body', 'name']]],
      ['a 101-character name', { name: 'n'.repeat(101) }, [['body', 'name']]],
      [
        'an unknown top-level field',
        { status: 'active', extra: 1 },
        [
          ['body', 'status'],
          ['body', 'extra'],
        ],
      ],
      ['a non-boolean downsampling', { downsampling: 'yes' }, [['body', 'downsampling']]],
      [
        'several problems at once, each listed',
        { name: '', schema: { $gt: 'number', ok: 'float' } },
        [
          ['body', 'name'],
          ['body', 'schema', '$gt'],
          ['body', 'schema', 'ok'],
        ],
      ],
    ];

    it.each(cases)('%s', async (_label, override, paths) => {
      const tenant = await createTenant(app());
      const body = { name: 'sensor', schema: { temperature: 'number' }, ...override };
      const res = await app().http.post(sourcesPath(tenant.bucketId)).set('X-API-Key', tenant.writeKey).send(body);
      expectValidationErrorAt(res, ...paths);
      expect(await storedSources(tenant.bucketId)).toHaveLength(0);
    });

    const postRaw = (tenant: Tenant, json: string) =>
      app().http.post(sourcesPath(tenant.bucketId)).set('X-API-Key', tenant.writeKey).set('Content-Type', 'application/json').send(json);

    it('a __proto__ field name sent as raw JSON', async () => {
      const tenant = await createTenant(app());
      const res = await postRaw(tenant, '{"name":"sensor","schema":{"__proto__":"number"}}');
      expectValidationErrorAt(res, ['body', 'schema', '__proto__']);
      expect(await storedSources(tenant.bucketId)).toHaveLength(0);
    });

    it('a __proto__ field name next to a valid field, sent as raw JSON, is rejected rather than dropped', async () => {
      const tenant = await createTenant(app());
      const res = await postRaw(tenant, '{"name":"sensor","schema":{"ok":"number","__proto__":{"type":"number"}}}');
      expectValidationErrorAt(res, ['body', 'schema', '__proto__']);
      expect(await storedSources(tenant.bucketId)).toHaveLength(0);
      expect(({} as Record<string, unknown>).type).toBeUndefined();
    });

    it('a top-level __proto__ key sent as raw JSON', async () => {
      const tenant = await createTenant(app());
      const res = await postRaw(tenant, '{"name":"sensor","schema":{"ok":"number"},"__proto__":{"status":"inactive"}}');
      expectValidationErrorAt(res, ['body', '__proto__']);
      expect(await storedSources(tenant.bucketId)).toHaveLength(0);
    });

    it('a field name of exactly 64 characters and exactly 100 fields are accepted', async () => {
      const tenant = await createTenant(app());
      const long = `_${'a'.repeat(63)}`;
      const hundred = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, 'number']));
      const a = await createSource(tenant.writeKey, tenant.bucketId, { schema: { [long]: 'string' } });
      const b = await createSource(tenant.writeKey, tenant.bucketId, { schema: hundred });
      expect(a.schema).toEqual({ [long]: { type: 'string' } });
      expect(Object.keys(b.schema as object)).toHaveLength(100);
      expect(await storedSources(tenant.bucketId)).toHaveLength(2);
    });
  });
});

describe('access to data sources', () => {
  it('a write key may create, list, get, update and delete in its own bucket', async () => {
    const tenant = await createTenant(app());
    const created = await createSource(tenant.writeKey, tenant.bucketId, { name: 'w1' });

    const list = await app().http.get(sourcesPath(tenant.bucketId)).set('X-API-Key', tenant.writeKey).expect(200);
    expect(list.body).toEqual({ dataSources: [created] });

    const got = await app().http.get(sourcePath(tenant.bucketId, created._id)).set('X-API-Key', tenant.writeKey).expect(200);
    expect(got.body).toEqual({ dataSource: created });

    const patched = await app()
      .http.patch(sourcePath(tenant.bucketId, created._id))
      .set('X-API-Key', tenant.writeKey)
      .send({ description: 'patched by write key' })
      .expect(200);
    expect(patched.body.dataSource.description).toBe('patched by write key');
    expect((await storedSource(created._id))?.description).toBe('patched by write key');

    const deleted = await app().http.delete(sourcePath(tenant.bucketId, created._id)).set('X-API-Key', tenant.writeKey).expect(200);
    expect(deleted.body.deletedDataSource).toEqual({ _id: created._id, name: 'w1' });
    expect(await storedSource(created._id)).toBeNull();
  });

  it('a read key may list and get, but not create, update or delete (403, nothing changed)', async () => {
    const tenant = await createTenant(app());
    const created = await createSource(tenant.writeKey, tenant.bucketId, { name: 'r1' });
    const before = await storedSource(created._id);

    const list = await app().http.get(sourcesPath(tenant.bucketId)).set('X-API-Key', tenant.readKey).expect(200);
    expect(list.body).toEqual({ dataSources: [created] });
    const got = await app().http.get(sourcePath(tenant.bucketId, created._id)).set('X-API-Key', tenant.readKey).expect(200);
    expect(got.body).toEqual({ dataSource: created });

    const post = await app()
      .http.post(sourcesPath(tenant.bucketId))
      .set('X-API-Key', tenant.readKey)
      .send({ name: 'r2', schema: { temperature: 'number' } });
    expectError(post, 403, 'Forbidden', 'Only Admin and Write keys can create data sources');

    const patch = await app()
      .http.patch(sourcePath(tenant.bucketId, created._id))
      .set('X-API-Key', tenant.readKey)
      .send({ description: 'changed' });
    expectError(patch, 403, 'Forbidden', 'Only Admin and Write keys can update data sources');

    const del = await app().http.delete(sourcePath(tenant.bucketId, created._id)).set('X-API-Key', tenant.readKey);
    expectError(del, 403, 'Forbidden', 'Only Admin and Write keys can delete data sources');

    const stored = await storedSources(tenant.bucketId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toEqual(before);
  });

  it('a read key gets 403 even with an invalid body, before validation', async () => {
    const tenant = await createTenant(app());
    const post = await app().http.post(sourcesPath(tenant.bucketId)).set('X-API-Key', tenant.readKey).send({ schema: {} });
    expectError(post, 403, 'Forbidden', 'Only Admin and Write keys can create data sources');
    expect(await storedSources(tenant.bucketId)).toHaveLength(0);
  });

  it('a write or read key of another bucket gets 404 Bucket not found, and nothing changes', async () => {
    const tenant = await createTenant(app());
    const created = await createSource(tenant.adminKey, tenant.bucketId, { name: 'mine' });
    const before = await storedSource(created._id);
    const otherBucket = await createBucket(app(), tenant.adminKey);
    const otherWrite = await createBucketKey(app(), tenant.adminKey, otherBucket, 'write');
    const otherRead = await createBucketKey(app(), tenant.adminKey, otherBucket, 'read');

    const attempts = [
      app().http.get(sourcesPath(tenant.bucketId)).set('X-API-Key', otherWrite.key),
      app().http.get(sourcesPath(tenant.bucketId)).set('X-API-Key', otherRead.key),
      app().http.get(sourcePath(tenant.bucketId, created._id)).set('X-API-Key', otherRead.key),
      app()
        .http.post(sourcesPath(tenant.bucketId))
        .set('X-API-Key', otherWrite.key)
        .send({ name: 'x', schema: { a: 'number' } }),
      app().http.patch(sourcePath(tenant.bucketId, created._id)).set('X-API-Key', otherWrite.key).send({ name: 'stolen' }),
      app().http.delete(sourcePath(tenant.bucketId, created._id)).set('X-API-Key', otherWrite.key),
    ];
    for (const attempt of attempts) expectError(await attempt, 404, 'Not Found', 'Bucket not found');

    const stored = await storedSources(tenant.bucketId);
    expect(stored).toEqual([before]);
    expect(await storedSources(otherBucket)).toHaveLength(0);
  });

  it("another organization's admin key gets 404 Bucket not found, and nothing changes", async () => {
    const tenant = await createTenant(app());
    const created = await createSource(tenant.writeKey, tenant.bucketId, { name: 'private' });
    const before = await storedSource(created._id);
    const stranger = await createOrganization(app());

    const attempts = [
      app().http.get(sourcesPath(tenant.bucketId)).set('X-API-Key', stranger.adminKey),
      app().http.get(sourcePath(tenant.bucketId, created._id)).set('X-API-Key', stranger.adminKey),
      app()
        .http.post(sourcesPath(tenant.bucketId))
        .set('X-API-Key', stranger.adminKey)
        .send({ name: 'x', schema: { a: 'number' } }),
      app().http.patch(sourcePath(tenant.bucketId, created._id)).set('X-API-Key', stranger.adminKey).send({ status: 'inactive' }),
      app().http.delete(sourcePath(tenant.bucketId, created._id)).set('X-API-Key', stranger.adminKey),
    ];
    for (const attempt of attempts) expectError(await attempt, 404, 'Not Found', 'Bucket not found');
    expect(await storedSources(tenant.bucketId)).toEqual([before]);
  });

  it('answers 401 without a key and 404 Bucket not found for a bucket that does not exist', async () => {
    const tenant = await createTenant(app());
    const noKey = await app().http.get(sourcesPath(tenant.bucketId));
    expectError(noKey, 401, 'Unauthorized', 'Invalid or missing API key');
    const missing = new Types.ObjectId().toHexString();
    expectError(await app().http.get(sourcesPath(missing)).set('X-API-Key', tenant.adminKey), 404, 'Not Found', 'Bucket not found');
    const badBucket = await app().http.get(sourcesPath('nope')).set('X-API-Key', tenant.adminKey);
    expectError(badBucket, 400, 'Validation Error', 'Invalid bucket ID format');
  });
});

describe('GET /api/buckets/:bucketId/sources', () => {
  it('lists only the sources of that bucket, in creation order', async () => {
    const tenant = await createTenant(app());
    const first = await createSource(tenant.writeKey, tenant.bucketId, { name: 'first' });
    const second = await createSource(tenant.writeKey, tenant.bucketId, { name: 'second', schema: { ok: 'boolean' } });
    const otherBucket = await createBucket(app(), tenant.adminKey);
    await createSource(tenant.adminKey, otherBucket, { name: 'elsewhere' });

    const res = await app().http.get(sourcesPath(tenant.bucketId)).set('X-API-Key', tenant.adminKey).expect(200);
    expect(res.body).toEqual({ dataSources: [first, second] });
    for (const source of res.body.dataSources) expect(Object.keys(source).sort()).toEqual(dataSourceFields);

    const empty = await createBucket(app(), tenant.adminKey);
    const none = await app().http.get(sourcesPath(empty)).set('X-API-Key', tenant.adminKey).expect(200);
    expect(none.body).toEqual({ dataSources: [] });
  });
});

describe('GET|PATCH|DELETE /api/buckets/:bucketId/sources/:sourceId', () => {
  it.each([['get'], ['patch'], ['delete']] as const)(
    '%s with a malformed sourceId answers 400 Invalid data source ID format',
    async (method) => {
      const tenant = await createTenant(app());
      const created = await createSource(tenant.writeKey, tenant.bucketId);
      for (const badId of ['not-an-id', '123', `${created._id}0`, 'zzzzzzzzzzzzzzzzzzzzzzzz']) {
        let req = app().http[method](sourcePath(tenant.bucketId, badId)).set('X-API-Key', tenant.writeKey);
        if (method === 'patch') req = req.send({ description: 'x' });
        expectError(await req, 400, 'Validation Error', 'Invalid data source ID format');
      }
      expect(await storedSource(created._id)).toMatchObject({ description: '', name: created.name });
    },
  );

  it.each([['get'], ['patch'], ['delete']] as const)(
    '%s with an unknown sourceId or a source of another bucket answers 404 Data source not found',
    async (method) => {
      const tenant = await createTenant(app());
      const mine = await createSource(tenant.adminKey, tenant.bucketId, { name: 'mine' });
      const otherBucket = await createBucket(app(), tenant.adminKey);
      const theirs = await createSource(tenant.adminKey, otherBucket, { name: 'theirs' });
      await insertPoints(otherBucket, theirs._id, 2);
      const theirsBefore = await storedSource(theirs._id);

      const attempts: Array<[string, string]> = [
        [tenant.adminKey, new Types.ObjectId().toHexString()],
        [tenant.writeKey, new Types.ObjectId().toHexString()],
        [tenant.adminKey, theirs._id],
        [tenant.writeKey, theirs._id],
      ];
      for (const [key, sourceId] of attempts) {
        let req = app().http[method](sourcePath(tenant.bucketId, sourceId)).set('X-API-Key', key);
        if (method === 'patch') req = req.send({ name: 'renamed' });
        expectError(await req, 404, 'Not Found', 'Data source not found');
      }
      expect(await storedSource(theirs._id)).toEqual(theirsBefore);
      expect(await pointCount(theirs._id)).toBe(2);
      expect((await storedSource(mine._id))?.name).toBe('mine');
    },
  );
});

describe('GET /api/buckets/:bucketId/sources/:sourceId', () => {
  it('returns the data source', async () => {
    const tenant = await createTenant(app());
    const created = await createSource(tenant.writeKey, tenant.bucketId, {
      name: 'full',
      schema: { temperature: { type: 'number', unit: '°C', description: 'air' }, on: 'boolean' },
    });
    const res = await app().http.get(sourcePath(tenant.bucketId, created._id)).set('X-API-Key', tenant.readKey).expect(200);
    expect(res.body).toEqual({ dataSource: created });
    expect(res.body.dataSource.schema).toEqual({
      temperature: { type: 'number', unit: '°C', description: 'air' },
      on: { type: 'boolean' },
    });
  });
});

describe('PATCH /api/buckets/:bucketId/sources/:sourceId', () => {
  it('changes schema, downsampling, status, description, type and name; the stored doc follows', async () => {
    const tenant = await createTenant(app());
    const created = await createSource(tenant.writeKey, tenant.bucketId, { name: 'old name' });
    await new Promise((resolve) => setTimeout(resolve, 5));

    const res = await app()
      .http.patch(sourcePath(tenant.bucketId, created._id))
      .set('X-API-Key', tenant.writeKey)
      .send({
        name: 'new name',
        type: 'meter',
        description: 'moved to the cellar',
        schema: { power: { type: 'number', unit: 'W' }, phase: 'string' },
        downsampling: false,
        status: 'inactive',
      })
      .expect(200);
    expect(Object.keys(res.body).sort()).toEqual(['dataSource', 'message']);
    expect(res.body.message).toBe('Data source updated successfully');
    const expected = {
      _id: created._id,
      bucketId: tenant.bucketId,
      name: 'new name',
      type: 'meter',
      description: 'moved to the cellar',
      schema: { power: { type: 'number', unit: 'W' }, phase: { type: 'string' } },
      downsampling: false,
      status: 'inactive',
      createdAt: created.createdAt,
      updatedAt: expect.any(String),
    };
    expect(res.body.dataSource).toEqual(expected);
    expectIso(res.body.dataSource.updatedAt);
    expect(new Date(res.body.dataSource.updatedAt).getTime()).toBeGreaterThan(new Date(created.createdAt as string).getTime());

    const stored = await storedSource(created._id);
    expect(stored).toMatchObject({
      name: 'new name',
      type: 'meter',
      description: 'moved to the cellar',
      schema: expected.schema,
      downsampling: false,
      status: 'inactive',
    });
    // The schema is replaced, not merged.
    expect(stored?.schema).toEqual(expected.schema);
    expect(stored?.updatedAt.toISOString()).toBe(res.body.dataSource.updatedAt);

    const again = await app().http.get(sourcePath(tenant.bucketId, created._id)).set('X-API-Key', tenant.readKey).expect(200);
    expect(again.body.dataSource).toEqual(res.body.dataSource);
  });

  it('changes only the fields sent', async () => {
    const tenant = await createTenant(app());
    const created = await createSource(tenant.writeKey, tenant.bucketId, {
      name: 'partial',
      description: 'keep me',
      schema: { temperature: { type: 'number', unit: '°C' } },
    });
    const res = await app()
      .http.patch(sourcePath(tenant.bucketId, created._id))
      .set('X-API-Key', tenant.adminKey)
      .send({ status: 'inactive' })
      .expect(200);
    expect(res.body.dataSource).toMatchObject({
      name: 'partial',
      description: 'keep me',
      schema: { temperature: { type: 'number', unit: '°C' } },
      downsampling: true,
      status: 'inactive',
    });
    expect(await storedSource(created._id)).toMatchObject({ description: 'keep me', status: 'inactive', downsampling: true });

    const back = await app()
      .http.patch(sourcePath(tenant.bucketId, created._id))
      .set('X-API-Key', tenant.adminKey)
      .send({ status: 'active', name: 'partial' })
      .expect(200);
    expect(back.body.dataSource.status).toBe('active');
    expect((await storedSource(created._id))?.status).toBe('active');
  });

  it('answers 409 for a rename onto a name already used in the bucket; nothing changes', async () => {
    const tenant = await createTenant(app());
    await createSource(tenant.writeKey, tenant.bucketId, { name: 'taken' });
    const other = await createSource(tenant.writeKey, tenant.bucketId, { name: 'free' });
    const res = await app()
      .http.patch(sourcePath(tenant.bucketId, other._id))
      .set('X-API-Key', tenant.writeKey)
      .send({ name: 'taken', description: 'should not land' });
    expectError(res, 409, 'Conflict', 'A data source with this name already exists in this bucket');
    expect(await storedSource(other._id)).toMatchObject({ name: 'free', description: '' });
    expect(await DataSourceModel.countDocuments({ bucketId: new Types.ObjectId(tenant.bucketId), name: 'taken' })).toBe(1);

    // A name used only in another bucket is free here.
    const otherBucket = await createBucket(app(), tenant.adminKey);
    await createSource(tenant.adminKey, otherBucket, { name: 'elsewhere' });
    await app()
      .http.patch(sourcePath(tenant.bucketId, other._id))
      .set('X-API-Key', tenant.writeKey)
      .send({ name: 'elsewhere' })
      .expect(200);
    expect((await storedSource(other._id))?.name).toBe('elsewhere');
  });

  it.each<[string, object, (string | number)[][]]>([
    ['an empty schema', { schema: {} }, [['body', 'schema']]],
    ['an unknown field type', { schema: { t: 'float' } }, [['body', 'schema', 't']]],
    ['a $-prefixed field name', { schema: { $set: 'number' } }, [['body', 'schema', '$set']]],
    ['an unknown status', { status: 'deleted' }, [['body', 'status']]],
    ['an unknown field', { bucketId: new Types.ObjectId().toHexString() }, [['body', 'bucketId']]],
    ['a blank name', { name: '' }, [['body', 'name']]],
  ])('rejects %s with 400 and changes nothing', async (_label, body, paths) => {
    const tenant = await createTenant(app());
    const created = await createSource(tenant.writeKey, tenant.bucketId);
    const before = await storedSource(created._id);
    const res = await app().http.patch(sourcePath(tenant.bucketId, created._id)).set('X-API-Key', tenant.writeKey).send(body);
    expectValidationErrorAt(res, ...paths);
    expect(await storedSource(created._id)).toEqual(before);
  });
});

describe('DELETE /api/buckets/:bucketId/sources/:sourceId', () => {
  it("deletes the source and its points, leaving another source's points in the bucket untouched", async () => {
    const tenant = await createTenant(app());
    const doomed = await createSource(tenant.writeKey, tenant.bucketId, { name: 'doomed' });
    const kept = await createSource(tenant.writeKey, tenant.bucketId, { name: 'kept' });
    await insertPoints(tenant.bucketId, doomed._id, 3);
    await insertPoints(tenant.bucketId, kept._id, 2);

    const res = await app().http.delete(sourcePath(tenant.bucketId, doomed._id)).set('X-API-Key', tenant.writeKey).expect(200);
    expect(res.body).toEqual({
      message: 'Data source deleted successfully',
      deletedDataSource: { _id: doomed._id, name: 'doomed' },
      deletedDataPoints: 3,
    });

    expect(await storedSource(doomed._id)).toBeNull();
    expect(await pointCount(doomed._id)).toBe(0);
    expect(await storedSource(kept._id)).not.toBeNull();
    expect(await pointCount(kept._id)).toBe(2);
    expect(await points().countDocuments({ bucketId: new Types.ObjectId(tenant.bucketId) })).toBe(2);

    const list = await app().http.get(sourcesPath(tenant.bucketId)).set('X-API-Key', tenant.readKey).expect(200);
    expect(list.body).toEqual({ dataSources: [kept] });

    // Gone means gone: a second delete and a get both answer 404.
    const second = await app().http.delete(sourcePath(tenant.bucketId, doomed._id)).set('X-API-Key', tenant.writeKey);
    expectError(second, 404, 'Not Found', 'Data source not found');
    const get = await app().http.get(sourcePath(tenant.bucketId, doomed._id)).set('X-API-Key', tenant.readKey);
    expectError(get, 404, 'Not Found', 'Data source not found');
  });

  it('reports 0 deleted points for a source without points, and the name can be used again', async () => {
    const tenant = await createTenant(app());
    const source = await createSource(tenant.adminKey, tenant.bucketId, { name: 'reuse me' });
    const res = await app().http.delete(sourcePath(tenant.bucketId, source._id)).set('X-API-Key', tenant.adminKey).expect(200);
    expect(res.body).toEqual({
      message: 'Data source deleted successfully',
      deletedDataSource: { _id: source._id, name: 'reuse me' },
      deletedDataPoints: 0,
    });
    const again = await createSource(tenant.writeKey, tenant.bucketId, { name: 'reuse me' });
    expect(again._id).not.toBe(source._id);
    expect(await storedSources(tenant.bucketId)).toHaveLength(1);
  });
});

describe('GET /api/buckets/:bucketId stats', () => {
  const stats = async (tenant: Tenant) =>
    (await app().http.get(`/api/buckets/${tenant.bucketId}`).set('X-API-Key', tenant.adminKey).expect(200)).body.bucket.stats;

  it('dataSourceCount follows sources created and deleted through the API', async () => {
    const tenant = await createTenant(app());
    expect((await stats(tenant)).dataSourceCount).toBe(0);
    const a = await createSource(tenant.writeKey, tenant.bucketId, { name: 'a' });
    await createSource(tenant.adminKey, tenant.bucketId, { name: 'b' });
    await insertPoints(tenant.bucketId, a._id, 4);
    expect(await stats(tenant)).toEqual({ dataSourceCount: 2, dataPointCount: 4, apiKeyCount: 2 });

    await app().http.delete(sourcePath(tenant.bucketId, a._id)).set('X-API-Key', tenant.writeKey).expect(200);
    expect(await stats(tenant)).toEqual({ dataSourceCount: 1, dataPointCount: 0, apiKeyCount: 2 });
  });
});
