import mongoose, { Types } from 'mongoose';
import { Webhook } from 'standardwebhooks';
import { enqueueDelivery } from '../src/modules/webhooks/deliveries.service';
import { alertKit, quickAlertingEnv, eventually } from './support/alertKit';
import { createDataSource, createTenant, uniqueName, type Tenant } from './support/tenants';
import { useTestApp } from './support/testApp';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhookReceiver';

// Delivery (api.md §9 "Delivery"): retries, statuses and signatures as a real receiver sees
// them, and the delivery log the API reports afterwards.
const app = useTestApp(quickAlertingEnv);

let receiver: WebhookReceiver;
let tenant: Tenant;
let sourceId: string;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  tenant = await createTenant(app());
  sourceId = await createDataSource(app(), tenant.adminKey, tenant.bucketId, { temperature: 'number' });
});
afterAll(() => receiver.close());

async function createRule(path: string, condition: string, extra: object = {}) {
  const res = await app()
    .http.post('/api/alerts')
    .set('X-API-Key', tenant.adminKey)
    .send({
      bucketId: tenant.bucketId,
      dataSourceId: sourceId,
      name: uniqueName('rule'),
      condition,
      webhookUrl: `${receiver.url}${path}`,
      ...extra,
    })
    .expect(201);
  return { id: res.body.alertRule._id as string, secret: res.body.webhookSecret as string };
}

const send = (temperature: number, timestamp = new Date().toISOString()) =>
  app()
    .http.post('/api/data')
    .set('X-API-Key', tenant.writeKey)
    .send({ bucketId: tenant.bucketId, dataSourceId: sourceId, timestamp, values: { temperature } })
    .expect(201);

describe('alert webhooks', () => {
  it('sends alert.triggered then alert.resolved, signed so the standardwebhooks verifier accepts them', async () => {
    const rule = await createRule('/smoke', 'temperature > 30', { cooldownMinutes: 60 });
    await send(31.5);
    const [triggered] = await receiver.waitFor('/smoke', 1);
    const verified = new Webhook(rule.secret).verify(triggered!.body, triggered!.headers as Record<string, string>) as { type: string };
    expect(verified.type).toBe('alert.triggered');
    await send(20);
    const all = await receiver.waitFor('/smoke', 2);
    const second = new Webhook(rule.secret).verify(all[1]!.body, all[1]!.headers as Record<string, string>) as { type: string };
    expect(second.type).toBe('alert.resolved');
  });

  it('drops, unsent, a delivery recorded after its rule was deleted', async () => {
    const rule = await createRule('/orphan', 'temperature > 1000');
    await app().http.delete(`/api/buckets/${tenant.bucketId}/alerts/${rule.id}`).set('X-API-Key', tenant.adminKey).expect(200);
    // What a notification taken from the rule's outbox while the delete ran leaves behind.
    const deliveryId = new Types.ObjectId();
    const orphan = {
      _id: deliveryId,
      organizationId: new Types.ObjectId(tenant.organizationId),
      bucketId: new Types.ObjectId(tenant.bucketId),
      dataSourceId: new Types.ObjectId(sourceId),
      alertRuleId: new Types.ObjectId(rule.id),
      type: 'alert.triggered' as const,
      body: '{}',
      createdAt: new Date(),
    };
    await enqueueDelivery(orphan, 0);
    const deliveries = mongoose.connection.collection('webhookdeliveries');
    await eventually(
      () => deliveries.findOne({ _id: deliveryId }),
      (found) => found === null,
      'the orphaned delivery is removed',
    );
    expect(receiver.received.filter((webhook) => webhook.path === '/orphan')).toEqual([]);
  });
});

const kit = alertKit(
  app,
  () => tenant,
  () => receiver,
);
const alertsPath = (ruleId: string) => `/api/buckets/${tenant.bucketId}/alerts/${ruleId}`;
const attempt = (statusCode: number | null, error: string | null | RegExp) => ({
  at: expect.any(String),
  statusCode,
  durationMs: expect.any(Number),
  error: error instanceof RegExp ? expect.stringMatching(error) : error,
});

/** A rule on a source of its own that fires on the first point; returns it and the webhook-id owed. */
async function firedRule(path: string) {
  const rule = await kit.createRule(path, 'temperature > 30', { cooldownMinutes: 60 });
  const point = await kit.post(rule, { temperature: 31 });
  const [first] = await receiver.waitFor(path, 1);
  const payload = kit.verify(first!, rule.secret);
  kit.expectPayload(payload, rule, { type: 'alert.triggered', currentValue: 31, threshold: 30, operator: '>', dataPoint: point });
  return { rule, webhookId: payload.webhookId };
}

describe('retries', () => {
  it('retries a 500 and a timeout with the same webhook-id, then records the 204 as succeeded', async () => {
    receiver.replyOn('/retry', { status: 500 }, { status: 204, delayMs: 1500 }, { status: 204 });
    const { rule, webhookId } = await firedRule('/retry');
    const received = await receiver.waitFor('/retry', 3);
    for (const request of received) {
      expect(request.headers['webhook-id']).toBe(webhookId);
      expect(request.body).toBe(received[0]!.body);
      kit.verify(request, rule.secret);
    }
    // The schedule's 0.2 s (-20 %) between attempts; before that, the second attempt ran
    // into its 500 ms timeout (counted from before it connected, hence the margin).
    expect(received[1]!.at - received[0]!.at).toBeGreaterThanOrEqual(160);
    expect(received[2]!.at - received[1]!.at).toBeGreaterThanOrEqual(400 + 160);

    const delivery = await kit.settledDelivery(rule.id, webhookId, 'succeeded');
    expect(delivery).toMatchObject({
      _id: webhookId,
      type: 'alert.triggered',
      attemptCount: 3,
      lastStatusCode: 204,
      lastError: null,
      nextAttemptAt: null,
      body: received[0]!.body,
    });
    expect(delivery.deliveredAt).not.toBeNull();
    expect(delivery.attempts).toEqual([attempt(500, 'HTTP 500'), attempt(null, /^Timed out after 500 ms$/), attempt(204, null)]);
    expect(delivery.attempts[1].durationMs).toBeGreaterThanOrEqual(450);
    await kit.expectNoMoreWebhooks(rule, 3);
  });

  it('marks a delivery exhausted after the last attempt of the schedule', async () => {
    receiver.replyOn('/always-500', { status: 500 });
    const { rule, webhookId } = await firedRule('/always-500');
    await receiver.waitFor('/always-500', 3);
    const delivery = await kit.settledDelivery(rule.id, webhookId, 'exhausted');
    expect(delivery).toMatchObject({ attemptCount: 3, lastStatusCode: 500, lastError: 'HTTP 500', nextAttemptAt: null, deliveredAt: null });
    expect(delivery.attempts).toEqual([attempt(500, 'HTTP 500'), attempt(500, 'HTTP 500'), attempt(500, 'HTTP 500')]);
    // The schedule has three attempts, 0.2 s apart at most 0.24 s: a fourth would be here by now.
    await kit.expectNoMoreWebhooks(rule, 3, 600);
    const { deliveries } = await kit.listDeliveries(rule.id, '?status=exhausted');
    expect(deliveries.map((d: { _id: string }) => d._id)).toEqual([webhookId]);
  });

  it('waits for Retry-After when it is longer than the schedule', async () => {
    receiver.replyOn('/retry-after', { status: 503, headers: { 'retry-after': '1' } }, { status: 204 });
    const { rule, webhookId } = await firedRule('/retry-after');
    const pending = await eventually(
      () => kit.getDelivery(rule.id, webhookId),
      (d) => d.status === 'pending' && d.attemptCount === 1,
      'first attempt recorded',
    );
    expect(pending).toMatchObject({ lastStatusCode: 503, lastError: 'HTTP 503' });
    const [first, second] = await receiver.waitFor('/retry-after', 2);
    expect(Date.parse(pending.nextAttemptAt) - first!.at).toBeGreaterThanOrEqual(1000);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
    expect(second!.headers['webhook-id']).toBe(webhookId);
    kit.verify(second!, rule.secret);
    const delivery = await kit.settledDelivery(rule.id, webhookId, 'succeeded');
    expect(delivery.attempts).toEqual([attempt(503, 'HTTP 503'), attempt(204, null)]);
  });

  it('does not follow a redirect, and counts it as a failed attempt', async () => {
    receiver.replyOn('/redirect', { status: 302, headers: { location: `${receiver.url}/redirect-target` } }, { status: 204 });
    const { rule, webhookId } = await firedRule('/redirect');
    await receiver.waitFor('/redirect', 2);
    const delivery = await kit.settledDelivery(rule.id, webhookId, 'succeeded');
    expect(delivery.attempts).toEqual([attempt(302, 'Redirect not followed (HTTP 302)'), attempt(204, null)]);
    // Following it would have posted to the target right after the first attempt, well
    // before the second one (0.2 s later) that we already waited for.
    expect(receiver.received.filter((request) => request.path === '/redirect-target')).toEqual([]);
  });
});

describe('410 Gone', () => {
  it('fails the delivery without retrying, disables the rule, and the rule is no longer evaluated', async () => {
    receiver.replyOn('/gone', { status: 410 });
    const { rule, webhookId } = await firedRule('/gone');
    const delivery = await kit.settledDelivery(rule.id, webhookId, 'failed');
    expect(delivery).toMatchObject({ attemptCount: 1, lastStatusCode: 410, lastError: 'HTTP 410', nextAttemptAt: null });
    const disabled = await eventually(
      () => kit.getRule(rule.id),
      (r) => r.status === 'disabled',
      'rule disabled',
    );
    expect(disabled).toMatchObject({ state: 'firing' });

    await kit.post(rule, { temperature: 10 }); // would resolve an active rule
    await kit.expectNoMoreWebhooks(rule, 1);
    expect(await kit.getRule(rule.id)).toMatchObject({ status: 'disabled', state: 'firing', lastResolvedAt: null });
    expect((await kit.listDeliveries(rule.id)).pagination.total).toBe(1);
  });

  it('disables a paused rule too, so resuming it does not send to the gone endpoint unnoticed', async () => {
    receiver.replyOn('/gone-paused', { status: 410 });
    const rule = await kit.createRule('/gone-paused', 'temperature > 30');
    await kit.patchRule(rule.id, { status: 'paused' });
    const queued = await app()
      .http.post(`${alertsPath(rule.id)}/test`)
      .set('X-API-Key', tenant.adminKey)
      .expect(202);
    await kit.settledDelivery(rule.id, queued.body.deliveryId, 'failed');
    await eventually(
      () => kit.getRule(rule.id),
      (r) => r.status === 'disabled',
      'paused rule disabled',
    );
  });
});

describe('secrets and manual deliveries', () => {
  it('signs with both secrets during a rotation grace period, each accepted on its own', async () => {
    const rule = await kit.createRule('/rotated', 'temperature > 30', { cooldownMinutes: 60 });
    const rotated = await app()
      .http.post(`${alertsPath(rule.id)}/rotate-secret`)
      .set('X-API-Key', tenant.adminKey)
      .send({ gracePeriodSeconds: 3600 })
      .expect(201);
    const newSecret = rotated.body.webhookSecret as string;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(rule.secret);
    const point = await kit.post(rule, { temperature: 40 });
    const [received] = await receiver.waitFor('/rotated', 1);
    expect(String(received!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    const viaOld = kit.verify(received!, rule.secret);
    const viaNew = kit.verify(received!, newSecret);
    expect(viaNew).toEqual(viaOld);
    kit.expectPayload(viaNew, rule, { type: 'alert.triggered', currentValue: 40, threshold: 30, operator: '>', dataPoint: point });
    const stranger = new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`);
    expect(() => stranger.verify(received!.body, received!.headers as Record<string, string>)).toThrow();
  });

  it('POST .../test delivers an alert.test event and changes nothing about the rule', async () => {
    const rule = await kit.createRule('/test-event', 'temperature is at least 25°C');
    const queued = await app()
      .http.post(`${alertsPath(rule.id)}/test`)
      .set('X-API-Key', tenant.adminKey)
      .expect(202);
    expect(queued.body).toEqual({ message: 'Test event queued', deliveryId: expect.stringMatching(/^[0-9a-f]{24}$/) });
    const { received, payload } = await kit.expectWebhook(rule, 1, {
      type: 'alert.test',
      currentValue: null,
      threshold: 25,
      operator: '>=',
      dataPoint: null,
    });
    expect(payload.webhookId).toBe(queued.body.deliveryId);
    const delivery = await kit.settledDelivery(rule.id, payload.webhookId, 'succeeded');
    expect(delivery).toMatchObject({ type: 'alert.test', attemptCount: 1, body: received.body });
    expect(await kit.getRule(rule.id)).toMatchObject({ state: 'ok', lastTriggeredAt: null, lastResolvedAt: null });
  });

  it('POST .../deliveries/:id/retry sends a succeeded delivery again with the same webhook-id and body', async () => {
    const { rule, webhookId } = await firedRule('/manual-retry');
    const first = await kit.settledDelivery(rule.id, webhookId, 'succeeded');
    const retried = await app()
      .http.post(`${alertsPath(rule.id)}/deliveries/${webhookId}/retry`)
      .set('X-API-Key', tenant.adminKey)
      .expect(202);
    expect(retried.body.delivery).toMatchObject({ _id: webhookId });
    const [original, again] = await receiver.waitFor('/manual-retry', 2);
    expect(again!.headers['webhook-id']).toBe(webhookId);
    expect(again!.body).toBe(original!.body);
    kit.verify(again!, rule.secret);
    const delivery = await eventually(
      () => kit.getDelivery(rule.id, webhookId),
      (d) => d.status === 'succeeded' && d.attemptCount === 2,
      'second attempt recorded',
    );
    expect(delivery.attempts).toEqual([attempt(204, null), attempt(204, null)]);
    expect(Date.parse(delivery.deliveredAt)).toBeGreaterThanOrEqual(Date.parse(first.deliveredAt));
    await kit.expectNoMoreWebhooks(rule, 2);
  });
});
