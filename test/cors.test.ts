import { loadConfig } from '../src/config';
import { createTenant } from './support/tenants';
import { useTestApp } from './support/testApp';

const dashboard = 'https://dash.example.com';
const preflight = (agent: ReturnType<typeof useTestApp>, origin: string) =>
  agent()
    .http.options('/api/buckets')
    .set('Origin', origin)
    .set('Access-Control-Request-Method', 'POST')
    .set('Access-Control-Request-Headers', 'x-api-key, content-type, idempotency-key');

describe('CORS, off by default (no CORS_ORIGINS)', () => {
  const app = useTestApp();

  it('sends no CORS headers, and a preflight is not answered', async () => {
    const tenant = await createTenant(app());
    const res = await app().http.get('/api/buckets').set('Origin', dashboard).set('X-API-Key', tenant.adminKey).expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const answer = await preflight(app, dashboard);
    expect(answer.status).toBe(404);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS with CORS_ORIGINS listing origins', () => {
  const app = useTestApp({ CORS_ORIGINS: `${dashboard}, http://192.168.1.20:8080` });

  it('answers a listed origin’s preflight before authentication, allowing the key headers and no credentials', async () => {
    const res = await preflight(app, dashboard).expect(204);
    expect(res.headers['access-control-allow-origin']).toBe(dashboard);
    expect(res.headers['access-control-allow-methods']).toBe('GET,POST,PATCH,DELETE');
    expect(res.headers['access-control-allow-headers']?.toLowerCase().split(',')).toEqual(
      expect.arrayContaining(['x-api-key', 'authorization', 'content-type', 'idempotency-key', 'last-event-id']),
    );
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers.vary).toContain('Origin');
  });

  it('lets a listed origin read the request id, rate-limit headers and Retry-After of an answer, errors included', async () => {
    const tenant = await createTenant(app());
    const ok = await app().http.get('/api/buckets').set('Origin', 'http://192.168.1.20:8080').set('X-API-Key', tenant.adminKey).expect(200);
    expect(ok.headers['access-control-allow-origin']).toBe('http://192.168.1.20:8080');
    expect(ok.headers['access-control-expose-headers']?.split(',')).toEqual([
      'X-Request-Id',
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
      'X-RateLimit-Reset',
      'Retry-After',
    ]);
    const denied = await app().http.get('/api/buckets').set('Origin', dashboard).set('X-API-Key', 'dakkio_a_wrong').expect(401);
    expect(denied.headers['access-control-allow-origin']).toBe(dashboard);
  });

  it('gives an unlisted origin nothing to read, and leaves pages outside /api alone', async () => {
    const res = await preflight(app, 'https://evil.example');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const health = await app().http.get('/health').set('Origin', dashboard).expect(200);
    expect(health.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS with CORS_ORIGINS=*', () => {
  const app = useTestApp({ CORS_ORIGINS: '*' });

  it('allows any origin, still without credentials', async () => {
    const res = await preflight(app, 'http://anything.local:3001').expect(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });
});

describe('CORS_ORIGINS', () => {
  it.each(['https://dash.example.com/', 'dash.example.com', 'https://dash.example.com/app', 'ftp://files.example.com', ','])(
    'refuses %s at start: it is not an origin',
    (value) => {
      expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow('CORS_ORIGINS');
    },
  );
});
