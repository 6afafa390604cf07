import { eventually } from './support/alertKit';
import { createDataSource, createTenant } from './support/tenants';
import { useTestApp } from './support/testApp';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhookReceiver';

// A file of its own: an app with an allow-list on the same database would deliver what this one refuses.
// No WEBHOOK_ALLOWED_IPS: the receiver on 127.0.0.1 is off limits, as a private service would be.
const guarded = useTestApp({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_RETRY_SCHEDULE: '0', WEBHOOK_POLL_INTERVAL_MS: '50' });

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(() => receiver.close());

describe('POST /api/buckets/:bucketId/alerts/:alertId/test to a private address', () => {
  it('records a refused address as a failed attempt with a clear lastError, and connects to nothing', async () => {
    const owner = await createTenant(guarded());
    const source = await createDataSource(guarded(), owner.adminKey, owner.bucketId, { temperature: 'number' });
    const created = await guarded()
      .http.post('/api/alerts')
      .set('X-API-Key', owner.adminKey)
      .send({
        bucketId: owner.bucketId,
        dataSourceId: source,
        name: 'internal',
        condition: 'temperature > 30',
        webhookUrl: `${receiver.url}/ssrf`,
      })
      .expect(201);
    const rulePath = `/api/buckets/${owner.bucketId}/alerts/${created.body.alertRule._id}`;
    const queued = await guarded().http.post(`${rulePath}/test`).set('X-API-Key', owner.adminKey).expect(202);
    const detail = await eventually(
      async () =>
        (await guarded().http.get(`${rulePath}/deliveries/${queued.body.deliveryId}`).set('X-API-Key', owner.adminKey)).body.delivery,
      (delivery) => delivery.status === 'exhausted',
      'the refused delivery is exhausted',
    );
    const refusal = 'Refused: 127.0.0.1 is a private, loopback or reserved address';
    expect(detail).toMatchObject({ attemptCount: 1, lastStatusCode: null, lastError: refusal });
    expect(detail.attempts).toEqual([expect.objectContaining({ statusCode: null, error: refusal })]);
    expect(receiver.received.filter((webhook) => webhook.path === '/ssrf')).toEqual([]);
  });
});
