import mongoose, { Types } from 'mongoose';
import { Webhook } from 'standardwebhooks';
import { expectError, expectNotFound, expectValidationError } from './support/assertions';
import { createDataSource, createTenant, objectId, uniqueName, type Tenant } from './support/tenants';
import { useTestApp } from './support/testApp';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhookReceiver';

/**
 * The first attempt of a queued delivery is an hour away (one-entry schedule), so a delivery
 * stays pending until a test retries it, and a failed attempt exhausts it.
 */
const app = useTestApp({
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOWED_IPS: '127.0.0.1',
  WEBHOOK_RETRY_SCHEDULE: '3600',
  WEBHOOK_POLL_INTERVAL_MS: '50',
  WEBHOOK_TIMEOUT_MS: '2000',
});

const rules = () => mongoose.connection.collection('alertrules');
const deliveries = () => mongoose.connection.collection('webhookdeliveries');
const byId = (id: string) => ({ _id: new Types.ObjectId(id) });
const secretPattern = /^whsec_[A-Za-z0-9+/]{43}=$/;
const deliveryFields = [
  '_id',
  'alertRuleId',
  'attemptCount',
  'createdAt',
  'deliveredAt',
  'lastError',
  'lastStatusCode',
  'nextAttemptAt',
  'status',
  'type',
];

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(() => receiver.close());

interface Rule {
  tenant: Tenant;
  sourceId: string;
  id: string;
  name: string;
  secret: string;
  path: string;
}
async function newRule(webhookUrl = 'https://127.0.0.1:9/hook', on?: { tenant: Tenant; sourceId: string }): Promise<Rule> {
  const tenant = on?.tenant ?? (await createTenant(app()));
  const sourceId = on?.sourceId ?? (await createDataSource(app(), tenant.adminKey, tenant.bucketId));
  const name = uniqueName('rule');
  const res = await app()
    .http.post('/api/alerts')
    .set('X-API-Key', tenant.writeKey)
    .send({ bucketId: tenant.bucketId, dataSourceId: sourceId, name, condition: 'temperature > 30', webhookUrl })
    .expect(201);
  const id = res.body.alertRule._id as string;
  return { tenant, sourceId, id, name, secret: res.body.webhookSecret, path: `/api/buckets/${tenant.bucketId}/alerts/${id}` };
}
const queueTest = async (rule: Rule, key = rule.tenant.writeKey) =>
  (await app().http.post(`${rule.path}/test`).set('X-API-Key', key).expect(202)).body.deliveryId as string;
const retry = (rule: Rule, deliveryId: string, key = rule.tenant.writeKey) =>
  app().http.post(`${rule.path}/deliveries/${deliveryId}/retry`).set('X-API-Key', key);

async function waitForDelivery(id: string, done: (doc: Record<string, any>) => boolean) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const doc = await deliveries().findOne(byId(id));
    if (doc && done(doc)) return doc;
    if (Date.now() > deadline) throw new Error(`delivery ${id} did not get there: ${JSON.stringify(doc)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('POST /api/buckets/:bucketId/alerts/:alertId/rotate-secret', () => {
  it('answers 201 with a new secret; the old one stays valid for the grace period; neither is stored in plaintext', async () => {
    const rule = await newRule();
    const before = Date.now();
    const res = await app().http.post(`${rule.path}/rotate-secret`).set('X-API-Key', rule.tenant.writeKey).send({}).expect(201);
    expect(Object.keys(res.body).sort()).toEqual(['message', 'webhookSecret']);
    expect(res.body.message).toEqual(expect.any(String));
    expect(res.body.webhookSecret).toMatch(secretPattern);
    expect(res.body.webhookSecret).not.toBe(rule.secret);
    const stored = (await rules().findOne(byId(rule.id)))!;
    expect(stored.webhookSecrets).toHaveLength(2);
    expect(stored.webhookSecrets[0].expiresAt).toBeNull();
    const graceEnds = (stored.webhookSecrets[1].expiresAt as Date).getTime();
    expect(graceEnds).toBeGreaterThanOrEqual(before + 86_400_000);
    expect(graceEnds).toBeLessThanOrEqual(Date.now() + 86_400_000);
    for (const secret of [rule.secret, res.body.webhookSecret]) expect(JSON.stringify(stored)).not.toContain(secret.slice(6));

    const noGrace = await app()
      .http.post(`${rule.path}/rotate-secret`)
      .set('X-API-Key', rule.tenant.adminKey)
      .send({ gracePeriodSeconds: 0 });
    expect(noGrace.status).toBe(201);
    expect((await rules().findOne(byId(rule.id)))?.webhookSecrets).toHaveLength(1);
  });

  it.each([[-1], [86_401], [1.5], ['60']])('refuses gracePeriodSeconds %p with 400 and keeps the secrets', async (gracePeriodSeconds) => {
    const rule = await newRule();
    const before = await rules().findOne(byId(rule.id));
    const res = await app().http.post(`${rule.path}/rotate-secret`).set('X-API-Key', rule.tenant.writeKey).send({ gracePeriodSeconds });
    expectValidationError(res, [['body', 'gracePeriodSeconds']]);
    expect((await rules().findOne(byId(rule.id)))?.webhookSecrets).toEqual(before?.webhookSecrets);
  });

  it('accepts the bounds 0 and 86400; a read key gets 403; another bucket’s rule 404', async () => {
    const rule = await newRule();
    for (const gracePeriodSeconds of [0, 86_400]) {
      await app().http.post(`${rule.path}/rotate-secret`).set('X-API-Key', rule.tenant.writeKey).send({ gracePeriodSeconds }).expect(201);
    }
    const read = await app().http.post(`${rule.path}/rotate-secret`).set('X-API-Key', rule.tenant.readKey).send({});
    expectError(read, 403, 'Forbidden', 'Only Admin and Write keys can rotate webhook secrets');
    const other = await newRule();
    const foreign = await app()
      .http.post(`${other.path.replace(other.tenant.bucketId, rule.tenant.bucketId)}/rotate-secret`)
      .set('X-API-Key', rule.tenant.adminKey)
      .send({});
    expectNotFound(foreign, 'Alert rule not found');
  });

  it('signs with the newest two secrets during the grace period, however often it was rotated, and with one after a rotation without grace', async () => {
    const rule = await newRule(`${receiver.url}/rotated`);
    const rotate = async (body: object) =>
      (await app().http.post(`${rule.path}/rotate-secret`).set('X-API-Key', rule.tenant.writeKey).send(body).expect(201)).body
        .webhookSecret as string;
    const verifies = (secret: string, sent: { body: string; headers: object }) => {
      try {
        return (new Webhook(secret).verify(sent.body, sent.headers as Record<string, string>) as { type: string }).type === 'alert.test';
      } catch {
        return false;
      }
    };
    const middle = await rotate({});
    const newest = await rotate({});
    expect((await rules().findOne(byId(rule.id)))?.webhookSecrets).toHaveLength(2);
    await retry(rule, await queueTest(rule)).expect(202);
    const [first] = await receiver.waitFor('/rotated', 1);
    expect(String(first!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect([rule.secret, middle, newest].map((secret) => verifies(secret, first!))).toEqual([false, true, true]);

    const latest = await rotate({ gracePeriodSeconds: 0 });
    await retry(rule, await queueTest(rule)).expect(202);
    const second = (await receiver.waitFor('/rotated', 2))[1]!;
    expect(String(second.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect([newest, latest].map((secret) => verifies(secret, second))).toEqual([false, true]);
  });
});

describe('POST /api/buckets/:bucketId/alerts/:alertId/test', () => {
  it('answers 202 with the delivery id and stores an alert.test delivery carrying the rule’s data', async () => {
    const rule = await newRule();
    const res = await app().http.post(`${rule.path}/test`).set('X-API-Key', rule.tenant.writeKey).expect(202);
    expect(res.body).toEqual({ message: 'Test event queued', deliveryId: expect.stringMatching(/^[0-9a-f]{24}$/) });
    const stored = await deliveries().findOne(byId(res.body.deliveryId));
    expect(stored).toMatchObject({ type: 'alert.test', status: 'pending', attemptCount: 0 });
    expect(stored?.alertRuleId).toEqual(new Types.ObjectId(rule.id));
    expect(stored?.bucketId).toEqual(new Types.ObjectId(rule.tenant.bucketId));
    expect(JSON.parse(stored?.body)).toMatchObject({ type: 'alert.test', webhookId: res.body.deliveryId, data: { alertId: rule.id } });
    // A test changes nothing about the rule.
    expect(await rules().findOne(byId(rule.id))).toMatchObject({ state: 'ok', lastTriggeredAt: null, outbox: [] });
  });

  it('a read key gets 403, another bucket’s rule 404, a malformed id 400; nothing is queued', async () => {
    const rule = await newRule();
    expectError(
      await app().http.post(`${rule.path}/test`).set('X-API-Key', rule.tenant.readKey),
      403,
      'Forbidden',
      'Only Admin and Write keys can test alert rules',
    );
    const other = await newRule();
    expectNotFound(await app().http.post(`${other.path}/test`).set('X-API-Key', rule.tenant.adminKey), 'Bucket not found');
    const foreign = `/api/buckets/${rule.tenant.bucketId}/alerts/${other.id}/test`;
    expectNotFound(await app().http.post(foreign).set('X-API-Key', rule.tenant.adminKey), 'Alert rule not found');
    const malformed = await app().http.post(`/api/buckets/${rule.tenant.bucketId}/alerts/123/test`).set('X-API-Key', rule.tenant.adminKey);
    expectError(malformed, 400, 'Validation Error', 'Invalid alert ID format');
    expect(await deliveries().countDocuments({ alertRuleId: { $in: [rule.id, other.id].map((id) => new Types.ObjectId(id)) } })).toBe(0);
  });
});

describe('GET /api/buckets/:bucketId/alerts/:alertId/deliveries', () => {
  it('lists newest first with pagination and a status filter, to read keys too', async () => {
    const rule = await newRule();
    const ids = [await queueTest(rule), await queueTest(rule), await queueTest(rule)];
    await queueTest(await newRule());
    const list = (query: string) => app().http.get(`${rule.path}/deliveries${query}`).set('X-API-Key', rule.tenant.readKey).expect(200);

    const all = await list('');
    expect(Object.keys(all.body).sort()).toEqual(['deliveries', 'pagination']);
    expect(all.body.deliveries.map((d: { _id: string }) => d._id)).toEqual([...ids].reverse());
    expect(all.body.pagination).toEqual({ limit: 20, offset: 0, total: 3, hasMore: false });
    const newest = all.body.deliveries[0];
    expect(Object.keys(newest).sort()).toEqual(deliveryFields);
    expect(newest).toEqual({
      _id: ids[2],
      alertRuleId: rule.id,
      type: 'alert.test',
      status: 'pending',
      attemptCount: 0,
      lastStatusCode: null,
      lastError: null,
      nextAttemptAt: expect.any(String),
      createdAt: expect.any(String),
      deliveredAt: null,
    });

    const page = await list('?limit=2&offset=1');
    expect(page.body.deliveries.map((d: { _id: string }) => d._id)).toEqual([ids[1], ids[0]]);
    expect(page.body.pagination).toEqual({ limit: 2, offset: 1, total: 3, hasMore: false });
    expect((await list('?limit=1')).body.pagination).toEqual({ limit: 1, offset: 0, total: 3, hasMore: true });

    await retry(rule, ids[0]!).expect(202);
    await waitForDelivery(ids[0]!, (doc) => doc.status === 'exhausted');
    const exhausted = await list('?status=exhausted');
    expect(exhausted.body.deliveries.map((d: { _id: string }) => d._id)).toEqual([ids[0]]);
    expect(exhausted.body.pagination.total).toBe(1);
    expect((await list('?status=pending')).body.deliveries.map((d: { _id: string }) => d._id)).toEqual([ids[2], ids[1]]);

    for (const query of ['?status=done', '?limit=0', '?limit=101', '?offset=-1']) {
      const bad = await app().http.get(`${rule.path}/deliveries${query}`).set('X-API-Key', rule.tenant.readKey);
      expect(bad.status).toBe(400);
      expect(bad.body.error).toBe('Validation Error');
    }
  });

  it('shows one delivery with the exact body and its attempts; 404 Delivery not found; 400 for a malformed id', async () => {
    const rule = await newRule();
    const id = await queueTest(rule);
    const detail = await app().http.get(`${rule.path}/deliveries/${id}`).set('X-API-Key', rule.tenant.readKey).expect(200);
    expect(Object.keys(detail.body)).toEqual(['delivery']);
    expect(Object.keys(detail.body.delivery).sort()).toEqual([...deliveryFields, 'attempts', 'body'].sort());
    expect(detail.body.delivery.attempts).toEqual([]);
    expect(detail.body.delivery.body).toBe((await deliveries().findOne(byId(id)))?.body);
    const sent = JSON.parse(detail.body.delivery.body);
    expect(sent).toEqual({
      type: 'alert.test',
      event: 'alert.test',
      timestamp: expect.any(String),
      webhookId: id,
      bucketId: rule.tenant.bucketId,
      data: {
        alertId: rule.id,
        alertName: rule.name,
        dataSourceId: rule.sourceId,
        dataSourceName: expect.stringMatching(/^source /),
        condition: 'temperature > 30',
        currentValue: null,
        threshold: 30,
        operator: '>',
        triggeredAt: sent.timestamp,
        dataPoint: null,
      },
    });

    const other = await newRule();
    const otherDelivery = await queueTest(other);
    const get = (path: string) => app().http.get(path).set('X-API-Key', rule.tenant.readKey);
    expectNotFound(await get(`${rule.path}/deliveries/${otherDelivery}`), 'Delivery not found');
    expectNotFound(await get(`${rule.path}/deliveries/${objectId()}`), 'Delivery not found');
    expectError(await get(`${rule.path}/deliveries/xyz`), 400, 'Validation Error', 'Invalid delivery ID format');
    expectNotFound(await get(`/api/buckets/${rule.tenant.bucketId}/alerts/${other.id}/deliveries`), 'Alert rule not found');
  });
});

describe('POST /api/buckets/:bucketId/alerts/:alertId/deliveries/:deliveryId/retry', () => {
  it('answers 202 and attempts at once; retrying an exhausted delivery attempts it again', async () => {
    const rule = await newRule();
    const id = await queueTest(rule);
    const res = await retry(rule, id).expect(202);
    expect(res.body).toMatchObject({ message: expect.any(String), delivery: { _id: id, type: 'alert.test' } });
    const failed = await waitForDelivery(id, (doc) => doc.status === 'exhausted');
    expect(failed).toMatchObject({ attemptCount: 1, lastStatusCode: null, lastError: expect.any(String) });
    await retry(rule, id).expect(202);
    await waitForDelivery(id, (doc) => doc.attemptCount === 2 && doc.status === 'exhausted');
    const detail = await app().http.get(`${rule.path}/deliveries/${id}`).set('X-API-Key', rule.tenant.writeKey).expect(200);
    expect(detail.body.delivery.attempts).toEqual([
      { at: expect.any(String), statusCode: null, durationMs: expect.any(Number), error: expect.any(String) },
      { at: expect.any(String), statusCode: null, durationMs: expect.any(Number), error: expect.any(String) },
    ]);
  });

  it('sends again with the same webhook-id after a success', async () => {
    const rule = await newRule(`${receiver.url}/again`);
    const id = await queueTest(rule);
    await retry(rule, id).expect(202);
    await receiver.waitFor('/again', 1);
    await waitForDelivery(id, (doc) => doc.status === 'succeeded');
    await retry(rule, id).expect(202);
    const both = await receiver.waitFor('/again', 2);
    expect(both.map((request) => request.headers['webhook-id'])).toEqual([id, id]);
    expect(both[1]!.body).toBe(both[0]!.body);
    const done = await waitForDelivery(id, (doc) => doc.status === 'succeeded' && doc.attemptCount === 2);
    expect(done.lastStatusCode).toBe(204);
  });

  it('a read key gets 403; an unknown delivery 404; a malformed id 400', async () => {
    const rule = await newRule();
    const id = await queueTest(rule);
    expectError(await retry(rule, id, rule.tenant.readKey), 403, 'Forbidden', 'Only Admin and Write keys can retry webhook deliveries');
    expectNotFound(await retry(rule, objectId()), 'Delivery not found');
    expectError(await retry(rule, 'bad'), 400, 'Validation Error', 'Invalid delivery ID format');
    expect(await deliveries().findOne(byId(id))).toMatchObject({ status: 'pending', attemptCount: 0 });
  });
});

describe('DELETE /api/buckets/:bucketId and /sources/:sourceId cascade to alert rules and deliveries', () => {
  const countOf = async (rule: Rule) => ({
    rules: await rules().countDocuments(byId(rule.id)),
    deliveries: await deliveries().countDocuments({ alertRuleId: new Types.ObjectId(rule.id) }),
  });

  it('bucket delete reports deletedResources.alertRules and removes the bucket’s rules and deliveries only', async () => {
    const first = await newRule();
    const second = await newRule(undefined, first);
    const survivor = await newRule();
    for (const rule of [first, second, survivor]) await queueTest(rule);
    const res = await app().http.delete(`/api/buckets/${first.tenant.bucketId}`).set('X-API-Key', first.tenant.adminKey).expect(200);
    expect(res.body.deletedResources).toEqual({ dataSources: 1, dataPoints: 0, apiKeys: 2, alertRules: 2 });
    const bucketId = new Types.ObjectId(first.tenant.bucketId);
    expect(await rules().countDocuments({ bucketId })).toBe(0);
    expect(await deliveries().countDocuments({ bucketId })).toBe(0);
    expect(await countOf(survivor)).toEqual({ rules: 1, deliveries: 1 });
  });

  it('data source delete removes that source’s rules and deliveries, not another source’s', async () => {
    const doomed = await newRule();
    const { tenant } = doomed;
    const kept = await newRule(undefined, { tenant, sourceId: await createDataSource(app(), tenant.adminKey, tenant.bucketId) });
    for (const rule of [doomed, kept]) await queueTest(rule);
    await app().http.delete(`/api/buckets/${tenant.bucketId}/sources/${doomed.sourceId}`).set('X-API-Key', tenant.writeKey).expect(200);
    expect(await countOf(doomed)).toEqual({ rules: 0, deliveries: 0 });
    expect(await countOf(kept)).toEqual({ rules: 1, deliveries: 1 });
    const list = await app().http.get(`/api/buckets/${tenant.bucketId}/alerts`).set('X-API-Key', tenant.readKey).expect(200);
    expect(list.body.alertRules.map((rule: { _id: string }) => rule._id)).toEqual([kept.id]);
  });
});
