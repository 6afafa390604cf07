import { routeTable } from '../src/http/routeTable';
import { ApiKeyModel } from '../src/modules/keys/model';
import { expectNotFound, expectRateLimitHeaders } from './support/assertions';
import { createTenant } from './support/tenants';
import { useTestApp } from './support/testApp';

const app = useTestApp();

describe('GET /api/openapi.json', () => {
  it('documents every route of the route table from the same schemas that validate requests', async () => {
    const res = await app().http.get('/api/openapi.json').expect(200);
    expect(res.body.openapi).toBe('3.1.0');
    for (const route of routeTable) {
      const operation = res.body.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method];
      expect(operation).toBeDefined();
      expect(operation.responses[String(route.response.status)]).toBeDefined();
    }
    const createBucket = res.body.paths['/api/buckets'].post;
    const nameSchema = createBucket.requestBody.content['application/json'].schema.properties.name;
    expect(nameSchema).toMatchObject({ type: 'string', maxLength: 100 });
    expect(createBucket.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    expect(createBucket['x-required-scope']).toBe('buckets:write');
    const listBuckets = res.body.paths['/api/buckets'].get;
    expect(listBuckets.parameters.map((p: { name: string }) => p.name)).toEqual(['limit', 'offset']);
  });
});

describe('unknown routes', () => {
  it('answer 404 with the error shape', async () => {
    const res = await app().http.get('/api/nothing-here').expect(404);
    expectNotFound(res, 'Route not found');
  });
});

describe('every response', () => {
  it('carries a request id, security headers and rate-limit headers', async () => {
    const tenant = await createTenant(app());
    const res = await app().http.get('/api/buckets').set('X-API-Key', tenant.adminKey).expect(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expectRateLimitHeaders(res, app().config.RATE_LIMIT_WINDOW_MS);
    expect(res.headers['x-ratelimit-limit']).toBe(String(app().config.RATE_LIMIT_PER_KEY));
    expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
  });

  it('rejects an unsafe incoming X-Request-Id and uses a fresh one', async () => {
    const res = await app().http.get('/health').set('X-Request-Id', 'bad id\twith spaces').expect(200);
    // A fresh UUID (hex digits can spell "bad" by chance, so match the format, not a substring).
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});

describe('logs', () => {
  it('never contain a key or its hashes', async () => {
    const tenant = await createTenant(app());
    await app().http.get('/api/buckets').set('X-API-Key', tenant.adminKey).expect(200);
    await app().http.get('/api/buckets').set('Authorization', `Bearer ${tenant.writeKey}`).expect(403);
    await app().http.get('/api/buckets').set('X-API-Key', `${tenant.readKey}x`).expect(401);
    const stored = await ApiKeyModel.find({ organizationId: tenant.organizationId }).lean();
    const logs = app().logs.join('');
    expect(logs).toContain('"status":403');
    for (const secret of [tenant.adminKey, tenant.writeKey, tenant.readKey, ...stored.flatMap((k) => [k.keyHash, k.lookupHash])]) {
      expect(logs).not.toContain(secret);
    }
  });
});
