import { unknownKey } from './support/http';
import { useTestApp } from './support/testApp';

const app = useTestApp({ RATE_LIMIT_PER_IP: '3' });

describe('GET /health and GET /ready', () => {
  it('answer 200, 20 times each, from an IP whose failed-authentication budget is spent', async () => {
    let guesses = 0;
    for (;;) {
      const res = await app().http.get('/api/buckets').set('X-API-Key', unknownKey('w'));
      guesses += 1;
      if (res.status === 429) break;
      expect(res.status).toBe(401);
      expect(guesses).toBeLessThan(10);
    }
    // The budget is spent: the next bad key is still refused with 429.
    await app().http.get('/api/buckets').set('X-API-Key', unknownKey('w')).expect(429);

    const health: number[] = [];
    const ready: number[] = [];
    for (let n = 0; n < 20; n += 1) {
      health.push((await app().http.get('/health')).status);
      ready.push((await app().http.get('/ready')).status);
    }
    expect(health).toEqual(Array(20).fill(200));
    expect(ready).toEqual(Array(20).fill(200));
  });
});
