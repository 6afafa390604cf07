import { useTestApp } from './support/testApp';

const app = useTestApp();

describe('GET /docs', () => {
  it('serves the reference page with scripts from this server only, none inline', async () => {
    const res = await app()
      .http.get('/docs')
      .expect(200)
      .expect('Content-Type', /text\/html/);
    const scripts = [...res.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map(([, attributes]) => /src="([^"]+)"/.exec(attributes!)?.[1])).toEqual([
      '/docs/vendor/swagger-ui-bundle.js',
      '/docs/init.js',
    ]);
    expect(scripts.every(([, , body]) => body!.trim() === '')).toBe(true);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('serves Swagger UI from node_modules and the page’s own initializer, pointed at /api/openapi.json', async () => {
    const bundle = await app()
      .http.get('/docs/vendor/swagger-ui-bundle.js')
      .expect(200)
      .expect('Content-Type', /javascript/);
    expect(bundle.text).toContain('SwaggerUIBundle');
    await app().http.get('/docs/vendor/swagger-ui.css').expect(200).expect('Content-Type', /css/);
    const init = await app().http.get('/docs/init.js').expect(200);
    expect(init.text).toContain("url: '/api/openapi.json'");
  });

  it('serves no other file of the package', async () => {
    for (const path of ['/docs/vendor/index.html', '/docs/vendor/swagger-initializer.js', '/docs/vendor/..%2Fpackage.json']) {
      const res = await app().http.get(path).expect(404);
      expect(res.body.error).toBe('Not Found');
    }
  });
});
