import { createHmac } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';
const MIN_KEY_BYTES = 24;

/**
 * Value of the webhook-signature header (Standard Webhooks v1): one
 * `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` per secret, keyed with the
 * base64-decoded part after `whsec_`, space-separated.
 */
export function signatureHeader(secrets: readonly string[], webhookId: string, timestampSeconds: number, body: string): string {
  // Either mistake would send a delivery no receiver can verify, so fail loudly instead.
  if (secrets.length === 0) throw new Error('At least one webhook secret is needed to sign');
  if (!Number.isSafeInteger(timestampSeconds)) throw new RangeError('webhook-timestamp must be whole Unix seconds');
  const signedContent = `${webhookId}.${timestampSeconds}.${body}`;
  return secrets.map((secret) => `v1,${createHmac('sha256', signingKey(secret)).update(signedContent).digest('base64')}`).join(' ');
}

function signingKey(secret: string): Buffer {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  if (key.length < MIN_KEY_BYTES) throw new Error(`A webhook secret must decode to at least ${MIN_KEY_BYTES} bytes`);
  return key;
}
