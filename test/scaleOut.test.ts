import { callServer as call, freshDatabaseUri, startServerProcess, type RunningServer } from './support/serverProcess';

const adminKey = `dakkio_a_${'M'.repeat(40)}`;

describe('two instances on one database', () => {
  let a: RunningServer;
  let b: RunningServer;
  beforeAll(async () => {
    const shared = {
      MONGODB_URI: freshDatabaseUri('scaleout'),
      DAKKIO_BOOTSTRAP_ADMIN_KEY: adminKey,
      RATE_LIMIT_STORE: 'mongodb',
      RATE_LIMIT_PER_KEY: '8',
      // Long fixed windows, so the test does not straddle a window boundary.
      RATE_LIMIT_WINDOW_MS: '600000',
    };
    a = await startServerProcess(shared);
    b = await startServerProcess(shared);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('share rate limits and see a key deleted through the other instance at once', async () => {
    const bucket = await call(a, 'POST', '/api/buckets', adminKey, { name: 'fleet' });
    const bucketId = bucket.body.bucket._id as string;
    const created = await call(a, 'POST', `/api/buckets/${bucketId}/keys`, adminKey, { name: 'w', type: 'write' });
    const writeKey = created.body.apiKey.key as string;
    const keyId = created.body.apiKey._id as string;

    // 8 requests with one key, alternating instances, count against one shared limit.
    const remaining: number[] = [];
    for (let n = 0; n < 8; n += 1) {
      const res = await call(n % 2 === 0 ? b : a, 'GET', `/api/buckets/${bucketId}/sources`, writeKey);
      expect(res.status).toBe(200);
      remaining.push(Number(res.headers.get('x-ratelimit-remaining')));
    }
    expect(remaining).toEqual([7, 6, 5, 4, 3, 2, 1, 0]);
    const limited = await call(b, 'GET', `/api/buckets/${bucketId}/sources`, writeKey);
    expect(limited.status).toBe(429);
    expect(limited.body.message).toMatch(/^Rate limit exceeded\. Resets at /);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

    await call(a, 'DELETE', `/api/buckets/${bucketId}/keys/${keyId}`, adminKey).then((res) => expect(res.status).toBe(200));
    const afterDelete = await call(b, 'GET', `/api/buckets/${bucketId}/sources`, writeKey);
    expect(afterDelete.status).toBe(401);
    expect(afterDelete.body.error).toBe('Unauthorized');
  });
});
