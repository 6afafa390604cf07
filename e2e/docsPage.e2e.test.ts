import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { routeTable } from '../src/http/routeTable';
import { useTestApp } from '../test/support/testApp';
import { collectProblems, launchChromium } from './browser';

const app = useTestApp();
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser?.close());

const baseUrlOf = () => {
  const server = (app().http as unknown as { app: Server }).app;
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the test app is not listening');
  return `http://127.0.0.1:${address.port}`;
};

describe('GET /docs in Chromium', () => {
  it('renders every route of the OpenAPI document, with no console errors and no CSP violations', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = collectProblems(page);
    await page.goto(`${baseUrlOf()}/docs`);
    await page.waitForSelector('.opblock', { timeout: 15_000 });
    const operations = await page.$$eval('.opblock', (blocks) =>
      blocks.map((block) => {
        const method = block.querySelector('.opblock-summary-method')?.textContent?.trim().toLowerCase();
        const path = block.querySelector('.opblock-summary-path')?.getAttribute('data-path');
        return `${method} ${path}`;
      }),
    );
    const documented = routeTable.map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`);
    expect([...operations].sort()).toEqual([...documented].sort());
    expect(await page.title()).toBe('dakkio-server API reference');
    await page.screenshot({ path: 'e2e/screenshots/docs.png' });
    expect(problems).toEqual([]);
  });

  it('fits a 390×844 phone screen without horizontal scrolling', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const problems = collectProblems(page);
    await page.goto(`${baseUrlOf()}/docs`);
    await page.waitForSelector('.opblock');
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: 'e2e/screenshots/docs-phone.png' });
    expect(problems).toEqual([]);
  });
});
