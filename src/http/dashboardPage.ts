import path from 'node:path';
import type { Express } from 'express';
import { projectRoot } from '../shared/projectRoot';

/** The page's own files under /dashboard/; index.html is served at / only. */
export const dashboardFiles = new Set([
  'dashboard.css',
  'icon.svg',
  'main.js',
  'api.js',
  'keyStore.js',
  'view.js',
  'board.js',
  'ranges.js',
  'chartData.js',
  'charts.js',
  'queue.js',
  'sse.js',
  'liveStream.js',
]);

/** The only files of uplot the page loads: the browser build and its stylesheet. */
const vendorFiles = new Set(['uPlot.iife.min.js', 'uPlot.min.css']);

/**
 * GET /: the dashboard (api.md §11), plain files from public/dashboard and uPlot from
 * node_modules, all from this server (no CDN) under the same strict Content-Security-Policy
 * as every page. Names outside the allow-lists fall through to the JSON 404.
 */
export function mountDashboardPage(app: Express): void {
  const pageDir = path.join(projectRoot(), 'public', 'dashboard');
  const vendorDir = path.join(path.dirname(require.resolve('uplot/package.json')), 'dist');
  app.get('/', (_req, res) => res.sendFile(path.join(pageDir, 'index.html')));
  app.get('/dashboard/vendor/:file', (req, res, next) => {
    if (!vendorFiles.has(req.params.file)) return next();
    res.sendFile(path.join(vendorDir, req.params.file), { maxAge: '1d' });
  });
  app.get('/dashboard/:file', (req, res, next) => {
    if (!dashboardFiles.has(req.params.file)) return next();
    res.sendFile(path.join(pageDir, req.params.file));
  });
}
