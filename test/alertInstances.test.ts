import { Webhook } from 'standardwebhooks';
import {
  callServer as call,
  createFleet as createFleetOn,
  freshDatabaseUri,
  startServerProcess,
  type Fleet,
  type RunningServer,
} from './support/serverProcess';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhookReceiver';

const adminKey = `dakkio_a_${'L'.repeat(40)}`;
const webhookEnv = {
  DAKKIO_BOOTSTRAP_ADMIN_KEY: adminKey,
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOWED_IPS: '127.0.0.1',
  WEBHOOK_RETRY_SCHEDULE: '0,0.3,0.3,0.3,0.3,0.3',
  WEBHOOK_TIMEOUT_MS: '1000',
  WEBHOOK_POLL_INTERVAL_MS: '50',
  ALERT_SWEEP_INTERVAL_MS: '100',
  ALERT_RULE_CACHE_MS: '1000',
};

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(() => receiver.close());

const createFleet = (server: RunningServer) => createFleetOn(server, adminKey);

async function createRule(server: RunningServer, fleet: Fleet, path: string, condition: string) {
  const res = await call(server, 'POST', '/api/alerts', adminKey, {
    bucketId: fleet.bucketId,
    dataSourceId: fleet.sourceId,
    name: `rule on ${path}`,
    condition,
    webhookUrl: `${receiver.url}${path}`,
    cooldownMinutes: 60,
  });
  expect(res.status).toBe(201);
  return { id: res.body.alertRule._id as string, secret: res.body.webhookSecret as string };
}

const post = (server: RunningServer, fleet: Fleet, temperature: number, at: number) =>
  call(server, 'POST', '/api/data', fleet.writeKey, {
    bucketId: fleet.bucketId,
    dataSourceId: fleet.sourceId,
    timestamp: new Date(at).toISOString(),
    values: { temperature },
  }).then((res) => expect(res.status).toBe(201));

const typeOf = (secret: string, webhook: { body: string; headers: object }) =>
  (new Webhook(secret).verify(webhook.body, webhook.headers as Record<string, string>) as { type: string }).type;

/** Longer than several sweeps, polls and the rule cache's lifetime: what was going to arrive has arrived. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 2500));

describe('an instance killed mid-delivery', () => {
  let a: RunningServer;
  let b: RunningServer | undefined;
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('leaves every owed delivery to the next instance: the one in flight with the same webhook-id, and those awaiting a retry', async () => {
    const env = { ...webhookEnv, MONGODB_URI: freshDatabaseUri('alertkill') };
    a = await startServerProcess(env);
    const fleet = await createFleet(a);
    const inFlight = await createRule(a, fleet, '/killed', 'temperature > 30');
    const retrying = [await createRule(a, fleet, '/owed-1', 'temperature > 31'), await createRule(a, fleet, '/owed-2', 'temperature > 32')];
    // The first attempt hangs until its sender dies; the next one is answered.
    receiver.replyOn('/killed', { status: 204, delayMs: 60_000 }, { status: 204 });
    // These fail once and ask to be retried in 3 s: the instance is dead by then.
    for (const path of ['/owed-1', '/owed-2']) receiver.replyOn(path, { status: 503, headers: { 'retry-after': '3' } }, { status: 204 });
    await post(a, fleet, 35, Date.now());
    await Promise.all(['/killed', '/owed-1', '/owed-2'].map((path) => receiver.waitFor(path, 1)));
    await a.kill();

    b = await startServerProcess(env);
    // The dead instance's claim lapses after WEBHOOK_TIMEOUT_MS plus a margin of 5 s.
    const [first, second] = await receiver.waitFor('/killed', 2, 20_000);
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(typeOf(inFlight.secret, second!)).toBe('alert.triggered');
    const deliveryId = String(first!.headers['webhook-id']);
    const detail = await call(b, 'GET', `/api/buckets/${fleet.bucketId}/alerts/${inFlight.id}/deliveries/${deliveryId}`, adminKey);
    expect(detail.body.delivery).toMatchObject({ status: 'succeeded', attemptCount: 2, lastStatusCode: 204, body: second!.body });
    expect(detail.body.delivery.attempts).toEqual([expect.objectContaining({ statusCode: 204, error: null })]);

    for (const [n, rule] of retrying.entries()) {
      const [failed, delivered] = await receiver.waitFor(`/owed-${n + 1}`, 2, 20_000);
      expect(delivered!.headers['webhook-id']).toBe(failed!.headers['webhook-id']);
      expect(delivered!.at - failed!.at).toBeGreaterThanOrEqual(3000);
      expect(typeOf(rule.secret, delivered!)).toBe('alert.triggered');
      const log = await call(b, 'GET', `/api/buckets/${fleet.bucketId}/alerts/${rule.id}/deliveries`, adminKey);
      expect(log.body.deliveries).toEqual([expect.objectContaining({ status: 'succeeded', attemptCount: 2, lastStatusCode: 204 })]);
    }
  }, 60_000);
});

describe('two instances on one database', () => {
  let a: RunningServer;
  let b: RunningServer;
  let fleet: Fleet;
  beforeAll(async () => {
    const env = { ...webhookEnv, MONGODB_URI: freshDatabaseUri('alerttwo') };
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    fleet = await createFleet(a);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('send one alert.triggered and one alert.resolved for points arriving through both', async () => {
    const rule = await createRule(a, fleet, '/both', 'temperature > 30');
    const start = Date.now() - 60_000;
    // Hot points through both instances at once, then cool ones, in timestamp order per phase.
    await Promise.all([0, 1, 2, 3, 4, 5].map((n) => post(n % 2 ? a : b, fleet, 31 + n, start + n * 1000)));
    await receiver.waitFor('/both', 1);
    await Promise.all([6, 7, 8, 9].map((n) => post(n % 2 ? a : b, fleet, 20, start + n * 1000)));
    await receiver.waitFor('/both', 2);
    await settle();
    const received = receiver.received.filter((webhook) => webhook.path === '/both');
    expect(received.map((webhook) => typeOf(rule.secret, webhook))).toEqual(['alert.triggered', 'alert.resolved']);
    const state = await call(b, 'GET', `/api/buckets/${fleet.bucketId}/alerts/${rule.id}`, adminKey);
    expect(state.body.alertRule).toMatchObject({ state: 'ok', lastTriggeredAt: expect.any(String), lastResolvedAt: expect.any(String) });
  }, 60_000);

  it('sweep no-data rules once, though both run a sweeper', async () => {
    const quiet = await createFleet(b);
    const rule = await createRule(a, quiet, '/silence', 'no data for 1 second');
    const [triggered] = await receiver.waitFor('/silence', 1, 10_000);
    expect(typeOf(rule.secret, triggered!)).toBe('alert.triggered');
    await post(b, quiet, 20, Date.now());
    const all = await receiver.waitFor('/silence', 2, 10_000);
    expect(typeOf(rule.secret, all[1]!)).toBe('alert.resolved');
    await settle();
    // Silence resumed after the point: at most one new trigger since, never a duplicate of either event.
    const ids = receiver.received.filter((webhook) => webhook.path === '/silence').map((webhook) => webhook.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length);
    const deliveries = await call(a, 'GET', `/api/buckets/${quiet.bucketId}/alerts/${rule.id}/deliveries?limit=100`, adminKey);
    expect(deliveries.body.deliveries.filter((d: { type: string }) => d.type === 'alert.triggered').length).toBeLessThanOrEqual(2);
    expect(deliveries.body.deliveries.filter((d: { type: string }) => d.type === 'alert.resolved')).toHaveLength(1);
  }, 60_000);
});
