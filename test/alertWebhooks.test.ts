import { Webhook } from 'standardwebhooks';
import { createDataSource, createTenant, uniqueName, type Tenant } from './support/tenants';
import { useTestApp } from './support/testApp';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhookReceiver';

const app = useTestApp({
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOWED_IPS: '127.0.0.1',
  WEBHOOK_RETRY_SCHEDULE: '0,0.2,0.2',
  WEBHOOK_TIMEOUT_MS: '500',
  WEBHOOK_POLL_INTERVAL_MS: '50',
  ALERT_SWEEP_INTERVAL_MS: '100',
});

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
});
