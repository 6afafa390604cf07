import { ConfigError, loadConfig } from '../src/config';
import { unknownKey } from './support/http';
import { useTestApp } from './support/testApp';

/**
 * TRUST_PROXY takes Express's `trust proxy` forms except `true`, which would let any
 * client name its own address in X-Forwarded-For and so escape (or aim) per-IP limits.
 */
describe('TRUST_PROXY configuration', () => {
  it('refuses TRUST_PROXY=true with a ConfigError naming the variable', () => {
    let thrown: unknown;
    try {
      loadConfig({ TRUST_PROXY: 'true' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toContain('TRUST_PROXY');
  });

  it.each(['false', '1', '2', 'loopback', '10.0.0.0/8, 127.0.0.1', 'loopback, linklocal, uniquelocal'])(
    'accepts TRUST_PROXY=%j',
    (value) => {
      expect(() => loadConfig({ TRUST_PROXY: value })).not.toThrow();
    },
  );

  it.each(['999.1.1.1', '10.0.0.0/99'])('refuses TRUST_PROXY=%j with a ConfigError naming the variable', (value) => {
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
  });
});

describe('per-IP limits behind one trusted proxy (TRUST_PROXY=1)', () => {
  // The test's loopback connection is the proxy; the address it appends is the client's.
  const app = useTestApp({ TRUST_PROXY: '1', RATE_LIMIT_PER_IP: '5' });
  const randomAddress = () => `198.18.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 254) + 1}`;

  it('counts failed authentications against the address the proxy saw, whatever the client puts leftmost', async () => {
    const statuses: number[] = [];
    const leftmost = new Set<string>();
    for (let n = 0; n < 6; n += 1) {
      let spoofed = randomAddress();
      while (leftmost.has(spoofed)) spoofed = randomAddress();
      leftmost.add(spoofed);
      const res = await app().http.get('/api/buckets').set('X-API-Key', unknownKey('w')).set('X-Forwarded-For', `${spoofed}, 203.0.113.7`);
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('does not let a client spend a victim’s budget by naming the victim leftmost', async () => {
    for (let n = 0; n < 10; n += 1) {
      await app().http.get('/api/buckets').set('X-API-Key', unknownKey('w')).set('X-Forwarded-For', '198.51.100.50, 203.0.113.66');
    }
    const victim = await app().http.get('/api/buckets').set('X-API-Key', unknownKey('w')).set('X-Forwarded-For', '198.51.100.50');
    expect(victim.status).toBe(401);
    expect(victim.body).toMatchObject({ error: 'Unauthorized' });
  });
});
