import path from 'node:path';
import type { Express } from 'express';
import { projectRoot } from '../shared/projectRoot';

/** The only files of swagger-ui-dist the page loads; the package's own demo pages are not served. */
const vendorFiles = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png']);

/**
 * GET /docs: the API reference rendered from /api/openapi.json by Swagger UI, served from
 * this server (no CDN) under the same strict Content-Security-Policy as every page.
 */
export function mountDocsPage(app: Express): void {
  const pageDir = path.join(projectRoot(), 'public', 'docs');
  const vendorDir = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  app.get('/docs', (_req, res) => res.sendFile(path.join(pageDir, 'index.html')));
  app.get('/docs/init.js', (_req, res) => res.sendFile(path.join(pageDir, 'init.js')));
  app.get('/docs/vendor/:file', (req, res, next) => {
    if (!vendorFiles.has(req.params.file)) return next();
    res.sendFile(path.join(vendorDir, req.params.file), { maxAge: '1d' });
  });
}
