import { expectRateLimited, expectRateLimitHeaders } from './support/assertions';
import { createTenant } from './support/tenants';
import { useTestApp } from './support/testApp';

const app = useTestApp({ RATE_LIMIT_PER_IP: '5' });

describe('repeated failed authentication from one client IP', () => {
  it('is answered 401 up to the per-IP limit, then 429, while valid keys keep working', async () => {
    const tenant = await createTenant(app());
    const guess = (n: number) => `dakkio_w_${String(n).padStart(40, 'G')}`;
    for (let n = 0; n < 5; n += 1) {
      const res = await app().http.get('/api/buckets').set('X-API-Key', guess(n)).expect(401);
      expectRateLimitHeaders(res, app().config.RATE_LIMIT_WINDOW_MS);
      expect(res.headers['x-ratelimit-remaining']).toBe(String(4 - n));
    }
    const limited = await app().http.get('/api/buckets').set('X-API-Key', guess(5));
    expectRateLimited(limited, app().config.RATE_LIMIT_WINDOW_MS);
    await app().http.get('/api/buckets').set('X-API-Key', tenant.adminKey).expect(200);
    expect(app().bcryptCompares()).toBeLessThanOrEqual(1);
  });
});
