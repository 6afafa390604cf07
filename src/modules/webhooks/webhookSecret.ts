import { randomBytes } from 'node:crypto';

/** 'whsec_' + base64 of 32 random bytes (crypto.randomBytes). */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
