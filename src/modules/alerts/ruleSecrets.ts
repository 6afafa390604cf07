import type { Types } from 'mongoose';
import type { SecretBox } from '../webhooks/secretBox';
import { generateWebhookSecret } from '../webhooks/webhookSecret';
import type { SealedSecret } from './model';

/** A new webhook secret: the plaintext for the caller (shown once), sealed for storage. */
export function newSecret(box: SecretBox, ruleId: Types.ObjectId): { plaintext: string; sealed: SealedSecret } {
  const plaintext = generateWebhookSecret();
  return { plaintext, sealed: { sealed: box.seal(plaintext, ruleId.toHexString()), expiresAt: null } };
}

const stillValid = (secret: SealedSecret, now: Date) => secret.expiresAt === null || secret.expiresAt > now;

/**
 * After a rotation: the new secret first, the previous ones valid until the grace period
 * ends (none when it is 0), anything already expired dropped.
 */
export function rotatedSecrets(current: readonly SealedSecret[], fresh: SealedSecret, graceSeconds: number, now: Date): SealedSecret[] {
  const graceEnds = new Date(now.getTime() + graceSeconds * 1000);
  const previous =
    graceSeconds > 0
      ? current
          .filter((secret) => stillValid(secret, now))
          .map((secret) => ({ ...secret, expiresAt: secret.expiresAt && secret.expiresAt < graceEnds ? secret.expiresAt : graceEnds }))
      : [];
  return [fresh, ...previous];
}

/** The plaintext secrets a delivery is signed with now: one, or two during a rotation's grace period. */
export const signingSecrets = (box: SecretBox, ruleId: Types.ObjectId, secrets: readonly SealedSecret[], now = new Date()): string[] =>
  secrets.filter((secret) => stillValid(secret, now)).map((secret) => box.open(secret.sealed, ruleId.toHexString()));
