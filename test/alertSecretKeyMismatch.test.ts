import { randomBytes } from 'node:crypto';
import { ruleOnFreshTenant, testDeliveryUntil } from './support/alertKit';
import { startTestApp, useTestApp } from './support/testApp';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhookReceiver';

const keyOf = () => randomBytes(32).toString('base64');
const delivering = {
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOWED_IPS: '127.0.0.1',
  WEBHOOK_RETRY_SCHEDULE: '0,0.1',
  WEBHOOK_POLL_INTERVAL_MS: '50',
};
// The instance that delivers was started with another WEBHOOK_SECRET_KEY than the one that sealed the rule's secret.
const misconfigured = useTestApp({ ...delivering, WEBHOOK_SECRET_KEY: keyOf() });

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(() => receiver.close());

describe('a delivery whose secret this instance cannot open', () => {
  it('is a failed attempt saying why, and the schedule still ends it; nothing unsigned is sent', async () => {
    const sealing = await startTestApp({ ...delivering, WEBHOOK_SECRET_KEY: keyOf() });
    const { owner, rulePath } = await ruleOnFreshTenant(sealing, `${receiver.url}/mismatch`);
    await sealing.close();

    const detail = await testDeliveryUntil(misconfigured(), owner.adminKey, rulePath, 'exhausted');
    const why = 'Not sent: the webhook secret could not be opened (is WEBHOOK_SECRET_KEY the same on every instance?)';
    expect(detail).toMatchObject({ attemptCount: 2, lastStatusCode: null, lastError: why });
    expect(receiver.received.filter((webhook) => webhook.path === '/mismatch')).toEqual([]);
  });
});
