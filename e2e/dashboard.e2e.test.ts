import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { createBucket, createBucketKey, createDataSource, createTenant, type Tenant } from '../test/support/tenants';
import { useTestApp } from '../test/support/testApp';
import { collectProblems, launchChromium } from './browser';

/** The README's screenshots are refreshed on request (README_SCREENSHOTS=1); other runs leave docs/ alone. */
const screenshotDir = process.env.README_SCREENSHOTS === '1' ? 'docs' : 'e2e/screenshots';

// The page's globals, for the functions that run inside Chromium (this project compiles without the DOM types).
declare const document: any;
declare const window: any;

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
// Registered before the app's own hooks so it runs first: an open page holds a live stream,
// and the app's server cannot close while a connection is open.
afterAll(() => browser?.close());
const app = useTestApp();

const pages: Page[] = [];
afterEach(async () => {
  await Promise.all(pages.splice(0).map((page) => page.close()));
});

const baseUrlOf = () => {
  const server = (app().http as unknown as { app: Server }).app;
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the test app is not listening');
  return `http://127.0.0.1:${address.port}`;
};

const minute = 60_000;
const hour = 60 * minute;
const iso = (ms: number) => new Date(ms).toISOString();

interface Point {
  dataSourceId: string;
  timestamp: string;
  values: Record<string, number>;
}

async function ingest(key: string, bucketId: string, dataPoints: Point[]) {
  await app().http.post('/api/data/batch').set('X-API-Key', key).send({ bucketId, dataPoints }).expect(201);
}

/** A tenant whose bucket has a climate source with 5 points and a power source with 3, all in the last hour. */
async function seedTenant() {
  const tenant = await createTenant(app());
  const climate = await createDataSource(app(), tenant.writeKey, tenant.bucketId, {
    temperature: { type: 'number', unit: '°C' },
    humidity: 'number',
    note: 'string',
  });
  const power = await createDataSource(app(), tenant.writeKey, tenant.bucketId, { watts: 'number' });
  const now = Date.now();
  const climatePoints = [1, 2, 3, 4, 5].map((k) => ({
    dataSourceId: climate,
    timestamp: iso(now - k * 7 * minute),
    values: { temperature: 20 + k, humidity: 40 + 2 * k },
  }));
  const powerPoints = [1, 2, 3].map((k) => ({ dataSourceId: power, timestamp: iso(now - k * 11 * minute), values: { watts: 100 * k } }));
  await ingest(tenant.writeKey, tenant.bucketId, [...climatePoints, ...powerPoints]);
  return { tenant, climate, power, climatePoints, powerPoints };
}

/** uPlot's columns for points: times in seconds, oldest first, then one column per field. */
const columnsOf = (points: Point[], fields: string[]) => {
  const sorted = [...points].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
  return [sorted.map((p) => Date.parse(p.timestamp) / 1000), ...fields.map((field) => sorted.map((p) => p.values[field] ?? null))];
};

async function openPage(viewport = { width: 1280, height: 800 }, timezoneId?: string) {
  const page = await browser.newPage({ viewport, timezoneId });
  pages.push(page);
  const problems = collectProblems(page);
  await page.goto(`${baseUrlOf()}/`);
  return { page, problems };
}

async function enterKey(page: Page, key: string) {
  await page.fill('#key-input', key);
  await page.press('#key-input', 'Enter');
}

/** Waits until exactly `count` charts show the answer for `query` ("<range>|<aggregation>"). */
async function chartsReady(page: Page, count: number, query: string) {
  await page.waitForFunction(
    ([n, q]: [number, string]) => {
      const cards = [...document.querySelectorAll('.chart')];
      return cards.length === n && cards.every((card: any) => card.dataset.state === 'ready' && card.dataset.query === q);
    },
    [count, query] as [number, string],
  );
}

const chartData = (page: Page, sourceId: string) =>
  page.evaluate((id: string) => window.dakkioDashboard.charts.get(id)?.data ?? null, sourceId) as Promise<(number | null)[][] | null>;

const chartSourceIds = (page: Page) =>
  page.$$eval('.chart', (cards: any[]) => cards.map((card) => card.dataset.sourceId as string).sort()) as Promise<string[]>;

describe('the dashboard at / in Chromium', () => {
  it('shows one chart per data source with exactly its points once a read key is entered', async () => {
    const { tenant, climate, power, climatePoints, powerPoints } = await seedTenant();
    const { page, problems } = await openPage();
    await enterKey(page, tenant.readKey);
    await chartsReady(page, 2, '1h|none');
    expect(await chartSourceIds(page)).toEqual([climate, power].sort());
    expect(await chartData(page, climate)).toEqual(columnsOf(climatePoints, ['temperature', 'humidity']));
    expect(await chartData(page, power)).toEqual(columnsOf(powerPoints, ['watts']));
    expect(await page.evaluate(() => [window.sessionStorage.length, window.localStorage.length, document.cookie])).toEqual([1, 0, '']);
    expect(page.url()).toBe(`${baseUrlOf()}/`);
    expect(problems).toEqual([]);
  });

  it('adds a point ingested through the API to its chart within 2 s, from the live stream', async () => {
    const { tenant, climate, power, climatePoints, powerPoints } = await seedTenant();
    const { page, problems } = await openPage();
    await enterKey(page, tenant.readKey);
    await chartsReady(page, 2, '1h|none');
    await page.waitForSelector('#live-status[data-live="connected"]', { timeout: 10_000 });
    const res = await app()
      .http.post('/api/data')
      .set('X-API-Key', tenant.writeKey)
      .send({ bucketId: tenant.bucketId, dataSourceId: climate, values: { temperature: 30.5, humidity: 61 } })
      .expect(201);
    const added = { dataSourceId: climate, timestamp: res.body.dataPoint.timestamp as string, values: { temperature: 30.5, humidity: 61 } };
    await page.waitForFunction((id: string) => window.dakkioDashboard.charts.get(id).data[0].length === 6, climate, { timeout: 2000 });
    expect(await chartData(page, climate)).toEqual(columnsOf([...climatePoints, added], ['temperature', 'humidity']));
    expect(await chartData(page, power)).toEqual(columnsOf(powerPoints, ['watts']));
    expect(problems).toEqual([]);
  });

  it('switches range and aggregation, and shows a custom range', async () => {
    const { tenant, climate, power, climatePoints, powerPoints } = await seedTenant();
    const now = Date.now();
    const older = { dataSourceId: climate, timestamp: iso(now - 5 * hour), values: { temperature: 5, humidity: 90 } };
    await ingest(tenant.writeKey, tenant.bucketId, [older]);
    const { page, problems } = await openPage({ width: 1280, height: 800 }, 'UTC');
    await enterKey(page, tenant.readKey);
    await chartsReady(page, 2, '1h|none');
    expect((await chartData(page, climate))![0]).toHaveLength(5);

    await page.selectOption('#range-select', '24h');
    await chartsReady(page, 2, '24h|none');
    const day = [...climatePoints, older];
    expect(await chartData(page, climate)).toEqual(columnsOf(day, ['temperature', 'humidity']));

    // Averages per hour (the interval the page picks for 24 h), computed here from the points.
    await page.selectOption('#aggregation-select', 'avg');
    await chartsReady(page, 2, '24h|avg');
    const byHour = (points: Point[], combine: (values: number[]) => number, fields: string[]) => {
      const groups = new Map<number, Point[]>();
      for (const point of points) {
        const start = Math.floor(Date.parse(point.timestamp) / hour) * hour;
        groups.set(start, [...(groups.get(start) ?? []), point]);
      }
      const starts = [...groups.keys()].sort((a, b) => a - b);
      return [
        starts.map((start) => start / 1000),
        ...fields.map((field) => starts.map((start) => combine(groups.get(start)!.map((p) => p.values[field]!)))),
      ];
    };
    const average = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const expectClose = (actual: (number | null)[][] | null, expected: number[][]) => {
      expect(actual!.map((column) => column.length)).toEqual(expected.map((column) => column.length));
      expected.forEach((column, i) => {
        column.forEach((value, j) => {
          expect(actual![i]![j]).toBeCloseTo(value, 9);
        });
      });
    };
    expectClose(await chartData(page, climate), byHour(day, average, ['temperature', 'humidity']));
    expectClose(await chartData(page, power), byHour(powerPoints, average, ['watts']));

    await page.selectOption('#aggregation-select', 'count');
    await chartsReady(page, 2, '24h|count');
    expect(await chartData(page, climate)).toEqual(byHour(day, (values) => values.length, ['temperature', 'humidity']));

    // A custom range around the older point only (the page's time zone is UTC, so the inputs are UTC).
    await page.selectOption('#aggregation-select', 'none');
    await chartsReady(page, 2, '24h|none');
    await page.selectOption('#range-select', 'custom');
    await page.fill('#custom-start', iso(now - 6 * hour).slice(0, 16));
    await page.fill('#custom-end', iso(now - 4 * hour).slice(0, 16));
    await page.click('#custom-range button[type="submit"]');
    await chartsReady(page, 2, 'custom|none');
    expect(await chartData(page, climate)).toEqual(columnsOf([older], ['temperature', 'humidity']));
    expect(await chartData(page, power)).toEqual([[], []]);
    expect(problems).toEqual([]);
  });

  it('reconnects after a dropped stream with Last-Event-ID and gets the point it missed', async () => {
    const { tenant, climate, climatePoints } = await seedTenant();
    const { page, problems } = await openPage();
    const streamRequests: Record<string, string>[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith(`/api/buckets/${tenant.bucketId}/stream`)) streamRequests.push(request.headers());
    });
    await enterKey(page, tenant.readKey);
    await chartsReady(page, 2, '1h|none');
    await page.waitForSelector('#live-status[data-live="connected"]', { timeout: 10_000 });
    const send = async (temperature: number) => {
      const res = await app()
        .http.post('/api/data')
        .set('X-API-Key', tenant.writeKey)
        .send({ bucketId: tenant.bucketId, dataSourceId: climate, values: { temperature } })
        .expect(201);
      return { dataSourceId: climate, timestamp: res.body.dataPoint.timestamp as string, values: { temperature } };
    };
    const seen = await send(31);
    await page.waitForFunction((id: string) => window.dakkioDashboard.charts.get(id).data[0].length === 6, climate);

    (app().http as unknown as { app: Server }).app.closeAllConnections();
    await page.waitForSelector('#live-status[data-live="reconnecting"]');
    const missed = await send(32);
    await page.waitForFunction((id: string) => window.dakkioDashboard.charts.get(id).data[0].length === 7, climate, { timeout: 10_000 });
    await page.waitForSelector('#live-status[data-live="connected"]');
    expect(streamRequests).toHaveLength(2);
    expect(streamRequests[0]!['last-event-id']).toBeUndefined();
    expect(streamRequests[1]!['last-event-id']).toMatch(/.+/);
    expect(streamRequests.every((headers) => headers['x-api-key'] === tenant.readKey)).toBe(true);
    const columns = columnsOf([...climatePoints, seen, missed], ['temperature', 'humidity']);
    expect(await chartData(page, climate)).toEqual(columns);
    // Chromium's own log line for the connection the test cut; the page adds nothing.
    expect(problems).toEqual(['console: Failed to load resource: net::ERR_INCOMPLETE_CHUNKED_ENCODING']);
  });

  it('follows a scripted stream: CRLF events and comments, Last-Event-ID, reset, then 429 and 404 keep the charts', async () => {
    const { tenant, climate, climatePoints } = await seedTenant();
    const { page, problems } = await openPage();
    const fake = {
      _id: 'f'.repeat(24),
      dataSourceId: climate,
      timestamp: iso(Date.now() - minute),
      values: { temperature: 99 },
      metadata: {},
    };
    const answers = [
      {
        status: 200,
        body: `: hello\r\n\r\nid: 41\r\nevent: point\r\ndata: ${JSON.stringify({ ...fake, bucketId: tenant.bucketId })}\r\n\r\n`,
      },
      { status: 200, body: 'event: reset\n\n' },
      { status: 429, body: JSON.stringify({ error: 'Too Many Requests', message: 'Too many streams for this key' }), retryAfter: '1' },
      { status: 404, body: JSON.stringify({ error: 'Not Found', message: 'Route not found' }) },
    ];
    const lastEventIds: (string | undefined)[] = [];
    await page.route(`**/api/buckets/${tenant.bucketId}/stream`, async (route) => {
      lastEventIds.push(route.request().headers()['last-event-id']);
      const answer = answers.shift()!;
      const json = answer.status !== 200;
      await route.fulfill({
        status: answer.status,
        headers: {
          'Content-Type': json ? 'application/json' : 'text/event-stream',
          ...(answer.retryAfter ? { 'Retry-After': answer.retryAfter } : {}),
        },
        body: answer.body,
      });
    });
    const climateLength = (length: number) =>
      page.waitForFunction(([id, n]: [string, number]) => window.dakkioDashboard?.charts.get(id)?.data[0].length === n, [
        climate,
        length,
      ] as [string, number]);
    await enterKey(page, tenant.readKey);
    // The streamed point joins the chart; the reset on the next connection reloads it from the server, where it never was.
    await climateLength(6);
    expect(await chartData(page, climate)).toEqual(columnsOf([...climatePoints, fake], ['temperature', 'humidity']));
    await page.waitForFunction(() => document.querySelector('#live-status').textContent.includes('(429)'), undefined, { timeout: 10_000 });
    await climateLength(5);
    await page.waitForFunction(() => document.querySelector('#live-status').textContent.includes('(404)'), undefined, { timeout: 10_000 });
    expect(await page.textContent('#live-status')).toBe('live updates unavailable: Route not found (404)');
    expect(await page.getAttribute('#live-status', 'data-live')).toBe('unavailable');
    expect(lastEventIds).toEqual([undefined, '41', '41', '41']);
    expect(answers).toHaveLength(0);
    expect(await chartData(page, climate)).toEqual(columnsOf(climatePoints, ['temperature', 'humidity']));
    expect(problems).toEqual([
      'console: Failed to load resource: the server responded with a status of 429 (Too Many Requests)',
      'console: Failed to load resource: the server responded with a status of 404 (Not Found)',
    ]);
  });

  it('parses event streams split anywhere, as fetch delivers them (the page’s own parser, in Chromium)', async () => {
    const { page, problems } = await openPage();
    // A string, not a function: TypeScript would compile a function's import() to require().
    const parsed = await page.evaluate(`(async () => {
      const { createSseParser } = await import('/dashboard/sse.js');
      const events = [];
      const parser = createSseParser('', (event) => events.push(event));
      const chunks = [': hi\\r', '\\n\\r\\nid: 1\\r\\nevent: point\\r\\nda', 'ta: {"a":\\r\\ndata:1}\\r', '\\n\\r\\n',
        'id: 2\\nevent: reset\\n\\n', 'id: 3\\rdata: x\\r\\r', 'id: 4\\ndata: never finished'];
      for (const chunk of chunks) parser.push(chunk);
      return { events, lastEventId: parser.lastEventId() };
    })()`);
    expect(parsed).toEqual({
      events: [
        { type: 'point', data: '{"a":\n1}', id: '1' },
        { type: 'reset', data: '', id: '2' },
        { type: 'message', data: 'x', id: '3' },
      ],
      lastEventId: '3',
    });
    expect(problems).toEqual([]);
  });

  it('says in the page when a key is not accepted or may not read the bucket', async () => {
    const tenant = await createTenant(app());
    const { page, problems } = await openPage();
    await enterKey(page, `dakkio_r_${'x'.repeat(40)}`);
    await page.waitForSelector('#message:not([hidden])');
    expect(await page.textContent('#message')).toMatch(/^This key was not accepted/);
    expect(await page.isVisible('#key-input')).toBe(true);
    expect(await page.evaluate(() => window.sessionStorage.length)).toBe(0);

    // A read key narrowed to data:read may not list data sources: the API's own 403 message is shown.
    const narrowed = await createBucketKey(app(), tenant.adminKey, tenant.bucketId, 'read', { scopes: ['data:read'] });
    const refusal = await app().http.get(`/api/buckets/${tenant.bucketId}/sources`).set('X-API-Key', narrowed.key).expect(403);
    await enterKey(page, narrowed.key);
    await page.waitForFunction((text: string) => document.querySelector('#message').textContent === text, refusal.body.message as string);
    // Chromium itself logs each 4xx answer to a fetch as a console error; the page adds nothing.
    expect(problems).toEqual([
      'console: Failed to load resource: the server responded with a status of 401 (Unauthorized)',
      'console: Failed to load resource: the server responded with a status of 403 (Forbidden)',
    ]);
  });

  it('lets an admin key choose a bucket, then charts its data sources', async () => {
    const { tenant, climate, power, climatePoints } = await seedTenant();
    await createBucket(app(), tenant.adminKey, 'an empty bucket');
    const { page, problems } = await openPage();
    await enterKey(page, tenant.adminKey);
    await page.waitForSelector('#bucket-picker:not([hidden])');
    const options = await page.$$eval('#bucket-select option', (nodes: any[]) => nodes.map((node) => node.value));
    expect(options).toHaveLength(3);
    expect(options).toContain(tenant.bucketId);
    expect(await page.$$('.chart')).toHaveLength(0);
    await page.selectOption('#bucket-select', tenant.bucketId);
    await chartsReady(page, 2, '1h|none');
    expect(await chartSourceIds(page)).toEqual([climate, power].sort());
    expect(await chartData(page, climate)).toEqual(columnsOf(climatePoints, ['temperature', 'humidity']));
    expect(problems).toEqual([]);
  });

  it('comes back from the tab’s session storage after a reload, and forgets the key on request', async () => {
    const { tenant } = await seedTenant();
    const { page, problems } = await openPage();
    await enterKey(page, tenant.readKey);
    await chartsReady(page, 2, '1h|none');
    await page.reload();
    await chartsReady(page, 2, '1h|none');
    await page.click('#forget-key');
    await page.waitForSelector('#key-form:not([hidden])');
    expect(await page.$$('.chart')).toHaveLength(0);
    expect(await page.evaluate(() => window.sessionStorage.length)).toBe(0);
    expect(problems).toEqual([]);
  });
});

describe('the dashboard’s looks', () => {
  /** Four sources with a reading a minute over the last hour, for screenshots that show something. */
  async function seedLooks(): Promise<Tenant> {
    const tenant = await createTenant(app());
    const make = async (name: string, schema: object) => {
      const res = await app()
        .http.post(`/api/buckets/${tenant.bucketId}/sources`)
        .set('X-API-Key', tenant.writeKey)
        .send({ name, schema })
        .expect(201);
      return res.body.dataSource._id as string;
    };
    const greenhouse = await make('greenhouse-north', {
      temperature: { type: 'number', unit: '°C' },
      humidity: { type: 'number', unit: '%' },
    });
    const boiler = await make('boiler', { flow: { type: 'number', unit: '°C' }, return: { type: 'number', unit: '°C' } });
    const meter = await make('power-meter', { power: { type: 'number', unit: 'W' } });
    const tank = await make('rain-tank', { level: { type: 'number', unit: 'cm' } });
    const now = Date.now();
    const points: Point[] = [];
    for (let k = 1; k <= 59; k += 1) {
      const timestamp = iso(now - k * minute);
      const t = k / 9;
      points.push(
        { dataSourceId: greenhouse, timestamp, values: { temperature: 21 + 3 * Math.sin(t), humidity: 55 + 8 * Math.cos(t) } },
        { dataSourceId: boiler, timestamp, values: { flow: 62 + 4 * Math.sin(t * 2), return: 45 + 3 * Math.sin(t * 2 + 1) } },
        { dataSourceId: meter, timestamp, values: { power: Math.round(800 + 600 * Math.abs(Math.sin(t * 1.7)) + (k % 7) * 25) } },
        { dataSourceId: tank, timestamp, values: { level: 120 - k * 0.4 } },
      );
    }
    await ingest(tenant.writeKey, tenant.bucketId, points);
    return tenant;
  }

  it('fits a 390×844 phone screen without horizontal scrolling; screenshots for the README', async () => {
    const tenant = await seedLooks();
    const desktop = await openPage({ width: 1280, height: 800 });
    await enterKey(desktop.page, tenant.readKey);
    await chartsReady(desktop.page, 4, '1h|none');
    await desktop.page.waitForSelector('#live-status[data-live="connected"]', { timeout: 10_000 });
    await desktop.page.screenshot({ path: `${screenshotDir}/dashboard.png` });
    expect(desktop.problems).toEqual([]);

    const phone = await openPage({ width: 390, height: 844 });
    await enterKey(phone.page, tenant.readKey);
    await chartsReady(phone.page, 4, '1h|none');
    await phone.page.waitForSelector('#live-status[data-live="connected"]', { timeout: 10_000 });
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const widths = await phone.page.$$eval('.chart .uplot', (plots: any[]) => plots.map((plot) => plot.getBoundingClientRect().right));
    for (const right of widths) expect(right).toBeLessThanOrEqual(390);
    await phone.page.screenshot({ path: `${screenshotDir}/dashboard-phone.png` });
    expect(phone.problems).toEqual([]);
  });
});
