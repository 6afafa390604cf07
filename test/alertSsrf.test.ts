import { ruleOnFreshTenant, testDeliveryUntil } from './support/alertKit';
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
    const { owner, rulePath } = await ruleOnFreshTenant(guarded(), `${receiver.url}/ssrf`);
    const detail = await testDeliveryUntil(guarded(), owner.adminKey, rulePath, 'exhausted');
    const refusal = 'Refused: 127.0.0.1 is a private, loopback or reserved address';
    expect(detail).toMatchObject({ attemptCount: 1, lastStatusCode: null, lastError: refusal });
    expect(detail.attempts).toEqual([expect.objectContaining({ statusCode: null, error: refusal })]);
    expect(receiver.received.filter((webhook) => webhook.path === '/ssrf')).toEqual([]);
  });
});
