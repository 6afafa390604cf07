import { useTestApp } from './support/testApp';

const directivesOf = (csp: string) => csp.split(';').map((directive) => directive.trim());

describe('security headers over plain HTTP (TLS_TERMINATED unset)', () => {
  const app = useTestApp();

  it('keep a strict Content-Security-Policy but send neither HSTS nor upgrade-insecure-requests', async () => {
    const res = await app().http.get('/health').expect(200);
    expect(res.headers['strict-transport-security']).toBeUndefined();
    const directives = directivesOf(res.headers['content-security-policy']!);
    expect(directives).toContain("script-src 'self'");
    expect(directives).toContain("default-src 'self'");
    expect(directives).not.toContain('upgrade-insecure-requests');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('security headers behind TLS (TLS_TERMINATED=true)', () => {
  const app = useTestApp({ TLS_TERMINATED: 'true' });

  it('add HSTS and upgrade-insecure-requests', async () => {
    const res = await app().http.get('/health').expect(200);
    expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d+; includeSubDomains$/);
    const directives = directivesOf(res.headers['content-security-policy']!);
    expect(directives).toContain('upgrade-insecure-requests');
    expect(directives).toContain("script-src 'self'");
  });
});
