import { routeTable } from '../src/http/routeTable';
import type { Route } from '../src/http/route';
import { defaultScopes } from '../src/modules/keys/scopes';
import { ApiKeyModel } from '../src/modules/keys/model';
import { expectError, storedCounts } from './support/assertions';
import {
  createExampleWorld,
  exampleRequest,
  expectRegistryCoversRouteTable,
  routeLabel,
  type ExampleRequest,
  type ExampleWorld,
} from './support/routeExamples';
import { endAtFirstChunkOfStream } from './support/http';
import { createBucket, createBucketKey, createOrganization } from './support/tenants';
import { useTestApp } from './support/testApp';

/**
 * Every route of the route table × every kind of credential, with the outcome api.md §1
 * prescribes computed from the route's own declaration. Each request is the route's example
 * from test/support/routeExamples.ts, made afresh per case; a route without one fails the
 * suite.
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

interface World extends ExampleWorld {
  otherBucketWriteKey: string;
  otherOrgAdminKey: string;
  expiredKey: string;
  deletedKey: string;
}

const app = useTestApp();
let world: World;

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

type Outcome = { status: number; error?: string; message?: string };

/**
 * The same outcome as InfluxDB clients read it (api.md §12): 1.x `{ error }`, 2.x `{ code,
 * message }`, with InfluxDB's own words for a refused key.
 */
function influxBody(dialect: 'influx-v1' | 'influx-v2', outcome: Required<Outcome>) {
  const v2Codes: Record<number, string> = { 401: 'unauthorized', 403: 'forbidden', 404: 'not found' };
  if (dialect === 'influx-v1') return { error: outcome.status === 401 ? 'authorization failed' : outcome.message };
  return { code: v2Codes[outcome.status], message: outcome.status === 401 ? 'unauthorized access' : outcome.message };
}

/** api.md §1, first outcome that applies wins. */
function expectedOutcome(route: Route, credential: Credential, example: ExampleRequest, w: World): Outcome {
  const success = { status: route.response.status };
  const { access } = route;
  if (access.kind === 'public') return success;
  if (!['admin', 'write', 'read', 'write key of another bucket', 'admin key of another organization'].includes(credential)) {
    return unauthorized;
  }
  const type = credential.startsWith('admin') ? 'admin' : credential.startsWith('write') ? 'write' : 'read';
  const reachesOrganization = type === 'admin';
  if (access.scope === null) return success;
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

beforeAll(async () => {
  const base = await createExampleWorld(app());
  const { tenant } = base;
  const otherBucketId = await createBucket(app(), tenant.adminKey);
  const otherBucketWriteKey = (await createBucketKey(app(), tenant.adminKey, otherBucketId, 'write')).key;
  const otherOrgAdminKey = (await createOrganization(app())).adminKey;
  const expired = await createBucketKey(app(), tenant.adminKey, tenant.bucketId, 'write');
  await ApiKeyModel.updateOne({ _id: expired.id }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
  const deleted = await createBucketKey(app(), tenant.adminKey, tenant.bucketId, 'write');
  await app().http.delete(`/api/buckets/${tenant.bucketId}/keys/${deleted.id}`).set('X-API-Key', tenant.adminKey).expect(200);
  world = { ...base, otherBucketWriteKey, otherOrgAdminKey, expiredKey: expired.key, deletedKey: deleted.key };
});

describe('access matrix', () => {
  it('has an example request for every route in the route table', () => {
    expectRegistryCoversRouteTable();
  });

  describe.each(routeTable.map((route) => [routeLabel(route), route] as const))('%s', (_name, route) => {
    it.each(credentials)('with %s', async (credential) => {
      const example = await exampleRequest(route, world);
      const expected = expectedOutcome(route, credential, example, world);
      const before = await storedCounts();

      let call = app().http[route.method](example.path);
      if (route.response.mediaType === 'text/event-stream') call = endAtFirstChunkOfStream(call);
      const key = keyFor(credential, world);
      if (key) call = call.set('X-API-Key', key);
      const res = await (example.body ? call.send(example.body) : call);

      expect(res.status).toBe(expected.status);
      const dialect = route.dialect ?? 'dakkio';
      if (expected.error !== undefined && expected.message !== undefined) {
        if (dialect === 'dakkio') expectError(res, expected.status, expected.error, expected.message);
        else expect(res.body).toEqual(influxBody(dialect, expected as Required<Outcome>));
        expect(await storedCounts()).toEqual(before);
      } else if (route.response.status === 204) {
        expect(res.text).toBe('');
      } else if (route.response.mediaType === 'text/event-stream') {
        expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      } else if (route.response.mediaType === 'text/plain') {
        expect(() => route.response.schema.parse(res.text)).not.toThrow();
      } else {
        expect(() => route.response.schema.parse(res.body)).not.toThrow();
      }
    });
  });
});
