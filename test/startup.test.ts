import request from 'supertest';
import { collectOutput, exitCodeOf, freshDatabaseUri, runBuilt, startServerProcess } from './support/serverProcess';

const printedAdminKey = (output: string) => /NEW ADMIN KEY[\s\S]*?(dakkio_a_[0-9A-Za-z]{40})/.exec(output)?.[1];

describe('npm start (node dist/src/main.js)', () => {
  it('prints an admin key once on an empty database, and that key works', async () => {
    const uri = freshDatabaseUri('startup');
    const first = await startServerProcess({ MONGODB_URI: uri });
    const adminKey = printedAdminKey(first.output());
    expect(adminKey).toBeDefined();
    await request(first.baseUrl).get('/api/buckets').set('X-API-Key', adminKey!).expect(200);
    expect(await first.stop()).toBe(0);
    expect(first.output()).toContain('"msg":"shutdown complete"');

    const second = await startServerProcess({ MONGODB_URI: uri });
    expect(printedAdminKey(second.output())).toBeUndefined();
    await request(second.baseUrl).get('/api/buckets').set('X-API-Key', adminKey!).expect(200);
    expect(await second.stop()).toBe(0);
  });

  it('installs DAKKIO_BOOTSTRAP_ADMIN_KEY instead of printing a new key, and never logs it', async () => {
    const givenKey = `dakkio_a_${'b7'.repeat(20)}`;
    const server = await startServerProcess({ MONGODB_URI: freshDatabaseUri('startup'), DAKKIO_BOOTSTRAP_ADMIN_KEY: givenKey });
    await request(server.baseUrl).post('/api/buckets').set('X-API-Key', givenKey).send({ name: 'auto' }).expect(201);
    expect(printedAdminKey(server.output())).toBeUndefined();
    expect(await server.stop()).toBe(0);
    expect(server.output()).not.toContain(givenKey);
  });

  it('refuses to start with bad configuration and lists every bad variable', async () => {
    const child = runBuilt('src/main.js', { PORT: 'abc', MONGODB_URI: 'http://db', RATE_LIMIT_PER_KEY: '0' });
    const output = collectOutput(child);
    expect(await exitCodeOf(child)).toBe(1);
    expect(output()).toContain('Invalid configuration');
    for (const variable of ['PORT', 'MONGODB_URI', 'RATE_LIMIT_PER_KEY']) expect(output()).toContain(`${variable}:`);
  });

  it('refuses to start on MONGODB_URI without WEBHOOK_SECRET_KEY, which every instance must share', async () => {
    const child = runBuilt('src/main.js', { MONGODB_URI: freshDatabaseUri('startup'), WEBHOOK_SECRET_KEY: '' });
    const output = collectOutput(child);
    expect(await exitCodeOf(child)).toBe(1);
    expect(output()).toContain('WEBHOOK_SECRET_KEY: required with MONGODB_URI');
    expect(output()).not.toContain('dakkio-server listening');
  });

  it('lists every bad webhook setting', async () => {
    const child = runBuilt('src/main.js', {
      WEBHOOK_SECRET_KEY: 'too short',
      WEBHOOK_RETRY_SCHEDULE: '0,5,soon',
      WEBHOOK_ALLOWED_IPS: '127.0.0.1,not-an-address',
      WEBHOOK_ALLOW_HTTP: 'yes',
    });
    const output = collectOutput(child);
    expect(await exitCodeOf(child)).toBe(1);
    for (const variable of ['WEBHOOK_SECRET_KEY', 'WEBHOOK_RETRY_SCHEDULE', 'WEBHOOK_ALLOWED_IPS', 'WEBHOOK_ALLOW_HTTP']) {
      expect(output()).toContain(`${variable}:`);
    }
  });

  it('answers /health and /ready, and the request id is echoed', async () => {
    const server = await startServerProcess({ MONGODB_URI: freshDatabaseUri('startup') });
    await request(server.baseUrl).get('/health').expect(200, { status: 'ok' });
    const ready = await request(server.baseUrl).get('/ready').set('X-Request-Id', 'probe-1').expect(200);
    expect(ready.body).toEqual({ status: 'ready', liveStream: 'polling' });
    expect(ready.headers['x-request-id']).toBe('probe-1');
    expect(await server.stop()).toBe(0);
  });
});

describe('npm run create-admin-key', () => {
  it('issues a working admin key for a named organization in MONGODB_URI', async () => {
    const uri = freshDatabaseUri('startup');
    const script = runBuilt('scripts/create-admin-key.js', { MONGODB_URI: uri }, ['--org', 'Acme Farms']);
    const output = collectOutput(script);
    expect(await exitCodeOf(script)).toBe(0);
    expect(output()).toContain('Organization: Acme Farms');
    const adminKey = /(dakkio_a_[0-9A-Za-z]{40})/.exec(output())?.[1];
    expect(adminKey).toBeDefined();

    const server = await startServerProcess({ MONGODB_URI: uri });
    // The database already has an organization, so start prints no key of its own.
    expect(printedAdminKey(server.output())).toBeUndefined();
    await request(server.baseUrl).post('/api/buckets').set('X-API-Key', adminKey!).send({ name: 'field 1' }).expect(201);
    expect(await server.stop()).toBe(0);
  });

  it('fails with usage when --org is missing', async () => {
    const script = runBuilt('scripts/create-admin-key.js', { MONGODB_URI: freshDatabaseUri('startup') });
    const output = collectOutput(script);
    expect(await exitCodeOf(script)).toBe(1);
    expect(output()).toContain('--org is required');
  });
});
