import { Webhook } from 'standardwebhooks';
import packageJson from '../../package.json';
import { createDataSource, createTenant, uniqueName, type Tenant } from './tenants';
import { type TestApp, useTestApp } from './testApp';
import { type ReceivedWebhook, startWebhookReceiver, type WebhookReceiver } from './webhookReceiver';

/** Alerting at test speed, delivering to a receiver on 127.0.0.1: three attempts 0.2 s apart, sweeps every 0.1 s. */
export const quickAlertingEnv = {
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOWED_IPS: '127.0.0.1',
  WEBHOOK_RETRY_SCHEDULE: '0,0.2,0.2',
  WEBHOOK_TIMEOUT_MS: '500',
  WEBHOOK_POLL_INTERVAL_MS: '50',
  ALERT_SWEEP_INTERVAL_MS: '100',
};

/** A rule as a test made it, with what the webhook bodies it causes must name. */
export interface TestRule {
  id: string;
  secret: string;
  name: string;
  condition: string;
  sourceId: string;
  sourceName: string;
  path: string;
}

/** A point as the ingest API answered for it: what a webhook's `dataPoint` must repeat. */
export interface PostedPoint {
  timestamp: string;
  values: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface ExpectedEvent {
  type: 'alert.triggered' | 'alert.resolved' | 'alert.test';
  currentValue: number | null;
  threshold: number | null;
  operator: string | null;
  dataPoint: PostedPoint | null;
}

export type Payload = {
  type: string;
  event: string;
  timestamp: string;
  webhookId: string;
  bucketId: string;
  data: Record<string, unknown> & { triggeredAt?: string; resolvedAt?: string };
};

/** Polls `read` until `done` holds of what it returned; the deadline only bounds a failing test. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms; last seen ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A fresh tenant with a source and a rule on it posting to `webhookUrl`, made through `app`; answers the rule's path. */
export async function ruleOnFreshTenant(app: TestApp, webhookUrl: string) {
  const owner = await createTenant(app);
  const source = await createDataSource(app, owner.adminKey, owner.bucketId, { temperature: 'number' });
  const created = await app.http
    .post('/api/alerts')
    .set('X-API-Key', owner.adminKey)
    .send({ bucketId: owner.bucketId, dataSourceId: source, name: uniqueName('rule'), condition: 'temperature > 30', webhookUrl })
    .expect(201);
  return { owner, rulePath: `/api/buckets/${owner.bucketId}/alerts/${created.body.alertRule._id}` };
}

/** Queues an alert.test delivery through `app` and waits until it is `status`; answers its detail. */
export async function testDeliveryUntil(app: TestApp, adminKey: string, rulePath: string, status: string) {
  const queued = await app.http.post(`${rulePath}/test`).set('X-API-Key', adminKey).expect(202);
  const detailPath = `${rulePath}/deliveries/${queued.body.deliveryId}`;
  return eventually(
    async () => (await app.http.get(detailPath).set('X-API-Key', adminKey)).body.delivery,
    (delivery) => delivery?.status === status,
    `the test delivery is ${status}`,
  );
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * For a test file or describe block: the app at alerting test speed, a webhook receiver on
 * 127.0.0.1 and a fresh tenant, with the kit over them (getters, as they exist once beforeAll ran).
 */
export function useAlertKit() {
  const app = useTestApp(quickAlertingEnv);
  let receiver: WebhookReceiver | undefined;
  let tenant: Tenant | undefined;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    tenant = await createTenant(app());
  });
  afterAll(() => receiver?.close());
  const tenantOf = () => tenant!;
  const receiverOf = () => receiver!;
  return { app, tenant: tenantOf, receiver: receiverOf, kit: alertKit(app, tenantOf, receiverOf) };
}

/** The rule, point and delivery operations of the alert tests, all through the real HTTP API. */
export function alertKit(app: () => TestApp, tenant: () => Tenant, receiver: () => WebhookReceiver) {
  const admin = () => tenant().adminKey;
  const rulePath = (ruleId: string) => `/api/buckets/${tenant().bucketId}/alerts/${ruleId}`;

  async function newSource(): Promise<{ id: string; name: string }> {
    const name = uniqueName('source');
    const res = await app()
      .http.post(`/api/buckets/${tenant().bucketId}/sources`)
      .set('X-API-Key', admin())
      .send({ name, schema: { temperature: 'number', humidity: 'number' } })
      .expect(201);
    return { id: res.body.dataSource._id as string, name };
  }

  /** A rule on a data source of its own (unless one is given), posting to `path` on the receiver. */
  async function createRule(
    path: string,
    condition: string,
    extra: { cooldownMinutes?: number; source?: { id: string; name: string } } = {},
  ): Promise<TestRule> {
    const source = extra.source ?? (await newSource());
    const name = uniqueName('rule');
    const res = await app()
      .http.post('/api/alerts')
      .set('X-API-Key', admin())
      .send({
        bucketId: tenant().bucketId,
        dataSourceId: source.id,
        name,
        condition,
        webhookUrl: `${receiver().url}${path}`,
        ...(extra.cooldownMinutes === undefined ? {} : { cooldownMinutes: extra.cooldownMinutes }),
      })
      .expect(201);
    return {
      id: res.body.alertRule._id,
      secret: res.body.webhookSecret,
      name,
      condition,
      sourceId: source.id,
      sourceName: source.name,
      path,
    };
  }

  async function post(
    rule: { sourceId: string },
    values: Record<string, number>,
    options: { timestamp?: Date; metadata?: Record<string, string> } = {},
  ): Promise<PostedPoint> {
    const res = await app()
      .http.post('/api/data')
      .set('X-API-Key', tenant().writeKey)
      .send({
        bucketId: tenant().bucketId,
        dataSourceId: rule.sourceId,
        values,
        ...(options.timestamp ? { timestamp: options.timestamp.toISOString() } : {}),
        ...(options.metadata ? { metadata: options.metadata } : {}),
      })
      .expect(201);
    const { timestamp, values: stored, metadata } = res.body.dataPoint;
    return { timestamp, values: stored, metadata };
  }

  /** Posts a batch in the given order; returns the points as a webhook would carry them. */
  async function postBatch(rule: { sourceId: string }, points: { values: Record<string, number>; timestamp: Date }[]) {
    await app()
      .http.post('/api/data/batch')
      .set('X-API-Key', tenant().writeKey)
      .send({
        bucketId: tenant().bucketId,
        dataPoints: points.map((point) => ({
          dataSourceId: rule.sourceId,
          values: point.values,
          timestamp: point.timestamp.toISOString(),
        })),
      })
      .expect(201, { message: 'Batch ingested successfully', inserted: points.length });
    return points.map((point): PostedPoint => ({ timestamp: point.timestamp.toISOString(), values: point.values, metadata: {} }));
  }

  const getRule = async (ruleId: string) =>
    (await app().http.get(rulePath(ruleId)).set('X-API-Key', tenant().readKey).expect(200)).body.alertRule;

  const patchRule = async (ruleId: string, changes: object) =>
    (await app().http.patch(rulePath(ruleId)).set('X-API-Key', admin()).send(changes).expect(200)).body.alertRule;

  const listDeliveries = async (ruleId: string, query = '') =>
    (
      await app()
        .http.get(`${rulePath(ruleId)}/deliveries${query}`)
        .set('X-API-Key', tenant().readKey)
        .expect(200)
    ).body;

  const getDelivery = async (ruleId: string, deliveryId: string) =>
    (
      await app()
        .http.get(`${rulePath(ruleId)}/deliveries/${deliveryId}`)
        .set('X-API-Key', tenant().readKey)
        .expect(200)
    ).body.delivery;

  /** Waits until the delivery's outcome is recorded (the receiver sees a request before the database does). */
  const settledDelivery = (ruleId: string, deliveryId: string, status: string) =>
    eventually(
      () => getDelivery(ruleId, deliveryId),
      (delivery) => delivery.status === status,
      `delivery ${deliveryId} ${status}`,
    );

  /**
   * Waits until every point posted so far was evaluated, and every notification it owes was
   * turned into a delivery: after this, a transition that did not happen will not happen.
   */
  const evaluated = () => app().deps.alerting.idle();

  /**
   * Checks one request the receiver got as a Standard Webhooks consumer would: the headers,
   * the reference verifier with the rule's secret, and that the body names its webhook-id.
   */
  function verify(received: ReceivedWebhook, secret: string): Payload {
    const { headers } = received;
    expect(headers['content-type']).toBe('application/json');
    expect(headers['user-agent']).toBe(`dakkio-webhooks/${packageJson.version}`);
    expect(headers['webhook-id']).toMatch(/^[0-9a-f]{24}$/);
    expect(headers['webhook-timestamp']).toMatch(/^\d+$/);
    expect(Math.abs(Number(headers['webhook-timestamp']) - received.at / 1000)).toBeLessThan(2);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*( v1,[A-Za-z0-9+/]+=*)*$/);
    const payload = new Webhook(secret).verify(received.body, headers as Record<string, string>) as Payload;
    expect(payload.webhookId).toBe(headers['webhook-id']);
    return payload;
  }

  /** The body, exactly: every key of api.md §9 with the values this rule and point must give. */
  function expectPayload(payload: Payload, rule: TestRule, expected: ExpectedEvent): void {
    const at = expected.type === 'alert.resolved' ? payload.data.resolvedAt : payload.data.triggeredAt;
    expect(payload).toStrictEqual({
      type: expected.type,
      event: expected.type,
      timestamp: at,
      webhookId: payload.webhookId,
      bucketId: tenant().bucketId,
      data: {
        alertId: rule.id,
        alertName: rule.name,
        dataSourceId: rule.sourceId,
        dataSourceName: rule.sourceName,
        condition: rule.condition,
        currentValue: expected.currentValue,
        threshold: expected.threshold,
        operator: expected.operator,
        [expected.type === 'alert.resolved' ? 'resolvedAt' : 'triggeredAt']: at,
        dataPoint: expected.dataPoint,
      },
    });
    expect(new Date(at as string).toISOString()).toBe(at);
  }

  /** Receives the `n`th request on the rule's path, verifies it and checks its body. */
  async function expectWebhook(rule: TestRule, n: number, expected: ExpectedEvent) {
    const received = (await receiver().waitFor(rule.path, n))[n - 1] as ReceivedWebhook;
    const payload = verify(received, rule.secret);
    expectPayload(payload, rule, expected);
    return { received, payload };
  }

  /**
   * Asserts that the rule's path got exactly `count` requests, `quietMs` after evaluation
   * settled: long enough for several delivery polls (50 ms) and attempts to have happened.
   */
  async function expectNoMoreWebhooks(rule: TestRule, count: number, quietMs = 400) {
    await evaluated();
    await pause(quietMs);
    expect(receiver().received.filter((request) => request.path === rule.path)).toHaveLength(count);
  }

  return {
    newSource,
    createRule,
    post,
    postBatch,
    getRule,
    patchRule,
    listDeliveries,
    getDelivery,
    settledDelivery,
    evaluated,
    verify,
    expectPayload,
    expectWebhook,
    expectNoMoreWebhooks,
  };
}
