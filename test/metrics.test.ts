import { Types } from 'mongoose';
import { DataPointModel } from '../src/modules/points/model';
import { eventually, useAlertKit } from './support/alertKit';
import { expectUnauthorized } from './support/assertions';
import { type Family, parsePrometheusText, sumOf } from './support/prometheusText';
import { createDataSource, createTenant, objectId, type Tenant } from './support/tenants';
import { type TestApp, useTestApp } from './support/testApp';

/**
 * GET /metrics (api.md §13): the Prometheus text format, request counts by route template,
 * points by transport and result, 401/429 counters, the database and stream gauges, and the
 * optional METRICS_TOKEN. The real Prometheus scrapes it in e2e/prometheus.e2e.test.ts.
 */

async function scrape(app: TestApp): Promise<{ text: string; families: Map<string, Family> }> {
  const res = await app.http.get('/metrics').expect(200);
  return { text: res.text, families: parsePrometheusText(res.text) };
}

/** Stored points are counted by a points-committed consumer, on the turn after the answer. */
const settled = () => new Promise((resolve) => setTimeout(resolve, 20));

const storedIn = (bucketId: string) => DataPointModel.countDocuments({ bucketId: new Types.ObjectId(bucketId) });

describe('GET /metrics', () => {
  const app = useTestApp();
  /** A second app in the same process, to show the registries are separate. */
  const otherApp = useTestApp();
  let tenant: Tenant;
  let sourceId: string;

  beforeAll(async () => {
    tenant = await createTenant(app());
    sourceId = await createDataSource(app(), tenant.adminKey, tenant.bucketId);
  });

  it('answers the text format 0.0.4: every line a HELP, TYPE or well-formed sample of a declared family', async () => {
    const res = await app().http.get('/metrics').expect(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parsePrometheusText(res.text);
    for (const family of families.values()) expect(family.help.length).toBeGreaterThan(0);
    const expected: Record<string, string> = {
      dakkio_http_requests_total: 'counter',
      dakkio_http_request_duration_seconds: 'histogram',
      dakkio_points_ingested_total: 'counter',
      dakkio_group_commit_batch_points: 'histogram',
      dakkio_database_up: 'gauge',
      dakkio_database_errors_total: 'counter',
      dakkio_auth_failures_total: 'counter',
      dakkio_rate_limited_requests_total: 'counter',
      dakkio_alert_transitions_total: 'counter',
      dakkio_webhook_deliveries_total: 'counter',
      dakkio_webhook_outbox_backlog: 'gauge',
      dakkio_open_streams: 'gauge',
      // prom-client's default process metrics
      process_cpu_user_seconds_total: 'counter',
      nodejs_heap_size_used_bytes: 'gauge',
    };
    for (const [name, type] of Object.entries(expected)) expect({ name, type: families.get(name)?.type }).toEqual({ name, type });
  });

  it('counts requests by method, route template and status, with no id or key anywhere in the output', async () => {
    const unknownId = objectId();
    await app().http.get(`/api/buckets/${tenant.bucketId}`).set('X-API-Key', tenant.adminKey).expect(200);
    await app().http.get(`/api/buckets/${unknownId}`).set('X-API-Key', tenant.adminKey).expect(404);
    await app().http.get(`/api/no-such-route/${unknownId}`).expect(404);
    const { text, families } = await scrape(app());
    const byId = { method: 'GET', route: '/api/buckets/:bucketId' };
    expect(sumOf(families, 'dakkio_http_requests_total', { ...byId, status: '200' })).toBeGreaterThanOrEqual(1);
    expect(sumOf(families, 'dakkio_http_requests_total', { ...byId, status: '404' })).toBe(1);
    expect(sumOf(families, 'dakkio_http_request_duration_seconds_count', { ...byId, status: '404' })).toBe(1);
    expect(sumOf(families, 'dakkio_http_requests_total', { route: 'unmatched', status: '404' })).toBe(1);
    for (const secret of [tenant.bucketId, unknownId, sourceId, tenant.organizationId, tenant.adminKeyId, 'dakkio_a_', 'dakkio_w_']) {
      expect({ secret, found: text.includes(secret) }).toEqual({ secret, found: false });
    }
    const routes = new Set(families.get('dakkio_http_requests_total')!.samples.map((sample) => sample.labels.route));
    for (const route of routes) expect(route).toMatch(/^(\/[\w.:-]*)+$|^unmatched$/);
  });

  it('counts the points stored through POST /api/data/batch and /api/v2/write, and the ones refused', async () => {
    const before = (await scrape(app())).families;
    const storedBefore = await storedIn(tenant.bucketId);
    const points = [20, 21, 22].map((temperature, i) => ({
      dataSourceId: sourceId,
      timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      values: { temperature },
    }));
    await app()
      .http.post('/api/data/batch')
      .set('X-API-Key', tenant.writeKey)
      .send({ bucketId: tenant.bucketId, dataPoints: points })
      .expect(201);
    const lines = ['air t=1 1767225600', 'air t=2 1767225601', 'air t=3 1767225602', 'air t=4 1767225603'].join('\n');
    await app()
      .http.post(`/api/v2/write?bucket=${tenant.bucketId}&precision=s`)
      .set('Authorization', `Token ${tenant.adminKey}`)
      .send(lines)
      .expect(204);
    // Refused: a batch whose second point breaks its source's schema (nothing of it is stored), and one bad line.
    const badBatch = [points[0], { ...points[1], values: { temperature: 'warm' } }];
    await app()
      .http.post('/api/data/batch')
      .set('X-API-Key', tenant.writeKey)
      .send({ bucketId: tenant.bucketId, dataPoints: badBatch })
      .expect(400);
    await app()
      .http.post(`/api/v2/write?bucket=${tenant.bucketId}&precision=s`)
      .set('Authorization', `Token ${tenant.adminKey}`)
      .send('air t=5 1767225604\nair t= 1767225605')
      .expect(400);
    await settled();
    const after = (await scrape(app())).families;
    const delta = (labels: Record<string, string>) =>
      sumOf(after, 'dakkio_points_ingested_total', labels) - sumOf(before, 'dakkio_points_ingested_total', labels);

    expect(await storedIn(tenant.bucketId)).toBe(storedBefore + 3 + 4 + 1);
    expect(delta({ transport: 'http-batch', result: 'stored' })).toBe(3);
    expect(delta({ transport: 'line-protocol', result: 'stored' })).toBe(5);
    expect(delta({ result: 'stored' })).toBe(3 + 4 + 1);
    expect(delta({ transport: 'http-batch', result: 'refused' })).toBe(2);
    expect(delta({ transport: 'line-protocol', result: 'refused' })).toBe(1);
    const batches = (families: Map<string, Family>) => sumOf(families, 'dakkio_group_commit_batch_points_count');
    expect(batches(after) - batches(before)).toBeGreaterThanOrEqual(3);
  });

  it('reports the database up, no open streams and the webhook backlog', async () => {
    const { families } = await scrape(app());
    expect(sumOf(families, 'dakkio_database_up')).toBe(1);
    expect(sumOf(families, 'dakkio_open_streams')).toBe(0);
    expect(sumOf(families, 'dakkio_webhook_outbox_backlog')).toBeGreaterThanOrEqual(0);
  });

  it('counts 401s, and is public while METRICS_TOKEN is not set', async () => {
    const before = sumOf((await scrape(app())).families, 'dakkio_auth_failures_total');
    await app()
      .http.get('/api/buckets')
      .set('X-API-Key', `dakkio_a_${'A'.repeat(40)}`)
      .expect(401);
    await app().http.get('/api/buckets').expect(401);
    const after = sumOf((await scrape(app())).families, 'dakkio_auth_failures_total');
    expect(after - before).toBe(2);
  });

  it('keeps one registry per app: a second app in the same process starts from zero', async () => {
    const { families } = await scrape(app());
    expect(sumOf(families, 'dakkio_http_requests_total', { route: '/api/buckets/:bucketId' })).toBeGreaterThan(0);
    expect(app().deps.metrics?.register).not.toBe(otherApp().deps.metrics?.register);
    const other = parsePrometheusText((await otherApp().http.get('/metrics').expect(200)).text);
    expect(sumOf(other, 'dakkio_http_requests_total', { route: '/api/buckets/:bucketId' })).toBe(0);
  });
});

describe('GET /metrics under rate limits', () => {
  const app = useTestApp({ RATE_LIMIT_PER_IP: '3' });

  it('counts 429s by the limit that refused them, and is itself never rate-limited', async () => {
    const unknownKey = `dakkio_w_${'B'.repeat(40)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await app().http.get('/api/buckets').set('X-API-Key', unknownKey)).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    for (let i = 0; i < 5; i += 1) await app().http.get('/metrics').expect(200);
    const { families } = await scrape(app());
    expect(sumOf(families, 'dakkio_auth_failures_total')).toBe(3);
    expect(sumOf(families, 'dakkio_rate_limited_requests_total', { code: 'RATE_LIMITED' })).toBe(2);
    expect(sumOf(families, 'dakkio_http_requests_total', { route: '/metrics', status: '200' })).toBe(5);
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  const token = 'scrape-token-0123456789abcdef';
  const app = useTestApp({ METRICS_TOKEN: token });

  it('answers 401 without the bearer token, with a wrong one, or with an API key', async () => {
    expectUnauthorized(await app().http.get('/metrics'));
    expectUnauthorized(await app().http.get('/metrics').set('Authorization', `Bearer ${token}x`));
    expectUnauthorized(
      await app()
        .http.get('/metrics')
        .set('Authorization', `Bearer ${token.slice(0, -1)}`),
    );
    expectUnauthorized(await app().http.get('/metrics').set('Authorization', token));
    expectUnauthorized(
      await app()
        .http.get('/metrics')
        .set('Authorization', `Basic ${Buffer.from(`x:${token}`).toString('base64')}`),
    );
    const tenant = await createTenant(app());
    expectUnauthorized(await app().http.get('/metrics').set('X-API-Key', tenant.adminKey));
  });

  it('answers 200 with Authorization: Bearer <METRICS_TOKEN> (the scheme in any case)', async () => {
    for (const scheme of ['Bearer', 'bearer']) {
      const res = await app().http.get('/metrics').set('Authorization', `${scheme} ${token}`).expect(200);
      expect(sumOf(parsePrometheusText(res.text), 'dakkio_auth_failures_total')).toBeGreaterThanOrEqual(6);
    }
  });
});

describe('GET /metrics for alerting', () => {
  const { app, kit } = useAlertKit();

  it('counts the alert transition a point causes and the webhook delivery it owes, and the backlog empties', async () => {
    const rule = await kit.createRule('/metrics', 'temperature > 30');
    await kit.post(rule, { temperature: 31 });
    const families = await eventually(
      async () => (await scrape(app())).families,
      (seen) => sumOf(seen, 'dakkio_webhook_deliveries_total', { result: 'succeeded' }) === 1,
      'the delivery is counted',
    );
    expect(sumOf(families, 'dakkio_alert_transitions_total', { from: 'ok', to: 'firing' })).toBe(1);
    expect(sumOf(families, 'dakkio_alert_transitions_total')).toBe(1);
    expect(sumOf(families, 'dakkio_webhook_outbox_backlog')).toBe(0);
  });
});

describe('GET /api/openapi.json for /metrics', () => {
  const app = useTestApp();

  it('documents the 401 of METRICS_TOKEN and the 404 of METRICS_ENABLED=false', async () => {
    const res = await app().http.get('/api/openapi.json').expect(200);
    expect(Object.keys(res.body.paths['/metrics'].get.responses)).toEqual(expect.arrayContaining(['200', '401', '404']));
  });
});

describe('GET /metrics with METRICS_ENABLED=false', () => {
  const app = useTestApp({ METRICS_ENABLED: 'false' });

  it('answers 404 as an unknown route would, and the app records nothing', async () => {
    const tenant = await createTenant(app());
    const res = await app().http.get('/metrics').expect(404);
    expect(res.body).toMatchObject({ error: 'Not Found', message: 'Route not found' });
    expect(app().deps.metrics).toBeNull();
    // Ingest still works without the instrumentation.
    const sourceId = await createDataSource(app(), tenant.adminKey, tenant.bucketId);
    await app()
      .http.post('/api/data')
      .set('X-API-Key', tenant.writeKey)
      .send({ bucketId: tenant.bucketId, dataSourceId: sourceId, values: { temperature: 20 } })
      .expect(201);
    expect(await storedIn(tenant.bucketId)).toBe(1);
  });
});
