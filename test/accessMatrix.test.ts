import { routeTable } from '../src/http/routeTable';
import type { Route } from '../src/http/route';
import { defaultScopes } from '../src/modules/keys/scopes';
import { ApiKeyModel } from '../src/modules/keys/model';
import { BucketModel } from '../src/modules/buckets/model';
import { DataSourceModel } from '../src/modules/sources/model';
import { DataPointModel } from '../src/modules/points/model';
import { createBucket, createBucketKey, createOrganization, createTenant, type Tenant } from './support/tenants';
import { disconnectDatabase, startTestApp, type TestApp } from './support/testApp';

/**
 * Every route of the route table × every kind of credential, with the outcome api.md §1
 * prescribes computed from the route's own declaration. A new route without an example
 * request below fails the suite.
 */
const credentials = [
  'no key',
  'malformed key',
  'unknown key',
  'expired key',
  'deleted key',
  'admin',
  'write',
  'read',
  'write key of another bucket',
  'admin key of another organization',
] as const;
type Credential = (typeof credentials)[number];
type KeyCredential = 'admin' | 'write' | 'read' | 'write key of another bucket' | 'admin key of another organization';

interface World {
  tenant: Tenant;
  otherBucketWriteKey: string;
  otherOrgAdminKey: string;
  expiredKey: string;
  deletedKey: string;
}

interface ExampleRequest {
  path: string;
  body?: object;
  /** The bucket the request names, for bucket-scoped routes. */
  bucketId?: string;
}

let app: TestApp;
let world: World;

const examples: Record<string, (w: World) => Promise<ExampleRequest>> = {
  'get /health': async () => ({ path: '/health' }),
  'get /ready': async () => ({ path: '/ready' }),
  'get /api/openapi.json': async () => ({ path: '/api/openapi.json' }),
  'get /api/buckets': async () => ({ path: '/api/buckets' }),
  'post /api/buckets': async () => ({ path: '/api/buckets', body: { name: `matrix ${Math.random()}` } }),
  'get /api/buckets/:bucketId': async ({ tenant }) => ({ path: `/api/buckets/${tenant.bucketId}`, bucketId: tenant.bucketId }),
  'patch /api/buckets/:bucketId': async ({ tenant }) => ({
    path: `/api/buckets/${tenant.bucketId}`,
    body: { description: 'patched' },
    bucketId: tenant.bucketId,
  }),
  'delete /api/buckets/:bucketId': async ({ tenant }) => {
    const bucketId = await createBucket(app, tenant.adminKey);
    return { path: `/api/buckets/${bucketId}`, bucketId };
  },
  'get /api/buckets/:bucketId/keys': async ({ tenant }) => ({
    path: `/api/buckets/${tenant.bucketId}/keys`,
    bucketId: tenant.bucketId,
  }),
  'post /api/buckets/:bucketId/keys': async ({ tenant }) => ({
    path: `/api/buckets/${tenant.bucketId}/keys`,
    body: { name: 'matrix key', type: 'read' },
    bucketId: tenant.bucketId,
  }),
  'delete /api/buckets/:bucketId/keys/:keyId': async ({ tenant }) => {
    const { id } = await createBucketKey(app, tenant.adminKey, tenant.bucketId, 'read');
    return { path: `/api/buckets/${tenant.bucketId}/keys/${id}`, bucketId: tenant.bucketId };
  },
  'post /api/buckets/:bucketId/keys/:keyId/rotate': async ({ tenant }) => {
    const { id } = await createBucketKey(app, tenant.adminKey, tenant.bucketId, 'read');
    return { path: `/api/buckets/${tenant.bucketId}/keys/${id}/rotate`, body: {}, bucketId: tenant.bucketId };
  },
  'get /api/buckets/:bucketId/sources': async ({ tenant }) => ({
    path: `/api/buckets/${tenant.bucketId}/sources`,
    bucketId: tenant.bucketId,
  }),
  'post /api/buckets/:bucketId/sources': async ({ tenant }) => ({
    path: `/api/buckets/${tenant.bucketId}/sources`,
    body: { name: `matrix source ${Math.random()}`, schema: { temperature: 'number' } },
    bucketId: tenant.bucketId,
  }),
  'get /api/buckets/:bucketId/sources/:sourceId': async ({ tenant }) => ({
    path: `/api/buckets/${tenant.bucketId}/sources/${await createSource(tenant)}`,
    bucketId: tenant.bucketId,
  }),
  'patch /api/buckets/:bucketId/sources/:sourceId': async ({ tenant }) => ({
    path: `/api/buckets/${tenant.bucketId}/sources/${await createSource(tenant)}`,
    body: { description: 'patched' },
    bucketId: tenant.bucketId,
  }),
  'delete /api/buckets/:bucketId/sources/:sourceId': async ({ tenant }) => ({
    path: `/api/buckets/${tenant.bucketId}/sources/${await createSource(tenant)}`,
    bucketId: tenant.bucketId,
  }),
  'post /api/data': async ({ tenant }) => ({
    path: '/api/data',
    body: { bucketId: tenant.bucketId, dataSourceId: await createSource(tenant), values: { temperature: 21.5 } },
    bucketId: tenant.bucketId,
  }),
  'post /api/data/batch': async ({ tenant }) => ({
    path: '/api/data/batch',
    body: { bucketId: tenant.bucketId, dataPoints: [{ dataSourceId: await createSource(tenant), values: { temperature: 1 } }] },
    bucketId: tenant.bucketId,
  }),
  'post /api/data/query': async ({ tenant }) => ({
    path: '/api/data/query',
    body: { bucketId: tenant.bucketId },
    bucketId: tenant.bucketId,
  }),
  'delete /api/data': async ({ tenant }) => {
    // A point in the range, so a refused delete can be seen to have deleted nothing.
    const dataSourceId = await createSource(tenant);
    await app.http
      .post('/api/data')
      .set('X-API-Key', tenant.adminKey)
      .send({ bucketId: tenant.bucketId, dataSourceId, timestamp: '2024-01-01T12:00:00Z', values: { temperature: 1 } })
      .expect(201);
    return {
      path: '/api/data',
      body: { bucketId: tenant.bucketId, dataSourceId, startTime: '2024-01-01T00:00:00Z', endTime: '2024-01-02T00:00:00Z' },
      bucketId: tenant.bucketId,
    };
  },
  'get /api/keys': async () => ({ path: '/api/keys' }),
  'post /api/keys': async () => ({ path: '/api/keys', body: { name: 'matrix admin' } }),
  'delete /api/keys/:keyId': async ({ tenant }) => {
    const res = await app.http.post('/api/keys').set('X-API-Key', tenant.adminKey).send({ name: 'to delete' }).expect(201);
    return { path: `/api/keys/${res.body.apiKey._id}` };
  },
};

async function createSource(tenant: Tenant): Promise<string> {
  const res = await app.http
    .post(`/api/buckets/${tenant.bucketId}/sources`)
    .set('X-API-Key', tenant.adminKey)
    .send({ name: `source ${Math.random()}`, schema: { temperature: 'number' } })
    .expect(201);
  return res.body.dataSource._id as string;
}

const routeId = (route: Route) => `${route.method} ${route.path}`;

function keyFor(credential: Credential, w: World): string | undefined {
  const keys: Record<Credential, string | undefined> = {
    'no key': undefined,
    'malformed key': 'dakkio_x_not-a-key',
    'unknown key': `dakkio_w_${'A'.repeat(40)}`,
    'expired key': w.expiredKey,
    'deleted key': w.deletedKey,
    admin: w.tenant.adminKey,
    write: w.tenant.writeKey,
    read: w.tenant.readKey,
    'write key of another bucket': w.otherBucketWriteKey,
    'admin key of another organization': w.otherOrgAdminKey,
  };
  return keys[credential];
}

const unauthorized = { status: 401, error: 'Unauthorized', message: 'Invalid or missing API key' };

/** api.md §1, first outcome that applies wins. */
function expectedOutcome(route: Route, credential: Credential, example: ExampleRequest, w: World) {
  const success = { status: route.response.status };
  const { access } = route;
  if (access.kind === 'public') return success;
  if (!['admin', 'write', 'read', 'write key of another bucket', 'admin key of another organization'].includes(credential)) {
    return unauthorized;
  }
  const type = credential.startsWith('admin') ? 'admin' : credential.startsWith('write') ? 'write' : 'read';
  const reachesOrganization = type === 'admin';
  if (!defaultScopes[type].includes(access.scope) || (!access.bucket && !reachesOrganization)) {
    return { status: 403, error: 'Forbidden', message: access.deniedMessage };
  }
  const keyBucket: Partial<Record<KeyCredential, string>> = { write: w.tenant.bucketId, read: w.tenant.bucketId };
  if (access.bucket) {
    const otherOrganization = credential === 'admin key of another organization';
    const otherBucket = type !== 'admin' && keyBucket[credential as KeyCredential] !== example.bucketId;
    if (otherOrganization || otherBucket) return { status: 404, error: 'Not Found', message: 'Bucket not found' };
  }
  if (credential === 'admin key of another organization' && route.path.includes(':keyId')) {
    return { status: 404, error: 'Not Found', message: 'API key not found' };
  }
  return success;
}

async function storedCounts() {
  return {
    buckets: await BucketModel.countDocuments({}),
    keys: await ApiKeyModel.countDocuments({}),
    sources: await DataSourceModel.countDocuments({}),
    points: await DataPointModel.countDocuments({}),
  };
}

beforeAll(async () => {
  app = await startTestApp();
  const tenant = await createTenant(app);
  const otherBucketId = await createBucket(app, tenant.adminKey);
  const otherBucketWriteKey = (await createBucketKey(app, tenant.adminKey, otherBucketId, 'write')).key;
  const otherOrgAdminKey = (await createOrganization(app)).adminKey;
  const expired = await createBucketKey(app, tenant.adminKey, tenant.bucketId, 'write');
  await ApiKeyModel.updateOne({ _id: expired.id }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
  const deleted = await createBucketKey(app, tenant.adminKey, tenant.bucketId, 'write');
  await app.http.delete(`/api/buckets/${tenant.bucketId}/keys/${deleted.id}`).set('X-API-Key', tenant.adminKey).expect(200);
  world = { tenant, otherBucketWriteKey, otherOrgAdminKey, expiredKey: expired.key, deletedKey: deleted.key };
});
afterAll(async () => {
  await app.close();
  await disconnectDatabase();
});

describe('access matrix', () => {
  it('has an example request for every route in the route table', () => {
    expect(routeTable.map(routeId).filter((id) => !examples[id])).toEqual([]);
  });

  describe.each(routeTable.map((route) => [`${route.method.toUpperCase()} ${route.path}`, route] as const))(
    '%s',
    (_name, route) => {
      it.each(credentials)('with %s', async (credential) => {
        const example = await examples[routeId(route)]!(world);
        const expected = expectedOutcome(route, credential, example, world);
        const before = await storedCounts();

        let call = app.http[route.method](example.path);
        const key = keyFor(credential, world);
        if (key) call = call.set('X-API-Key', key);
        const res = await (example.body ? call.send(example.body) : call);

        expect(res.status).toBe(expected.status);
        if ('error' in expected) {
          expect(res.body).toEqual({ error: expected.error, message: expected.message, requestId: res.headers['x-request-id'] });
          expect(await storedCounts()).toEqual(before);
        } else {
          expect(() => route.response.schema.parse(res.body)).not.toThrow();
        }
      });
    },
  );
});
