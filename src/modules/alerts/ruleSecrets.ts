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
 * After a rotation: the new secret first, then the one it replaces, valid until the grace
 * period ends (not at all when it is 0). Older secrets are dropped, so deliveries carry at
 * most two signatures (api.md §9) however often a rule is rotated.
 */
export function rotatedSecrets(current: readonly SealedSecret[], fresh: SealedSecret, graceSeconds: number, now: Date): SealedSecret[] {
  const graceEnds = new Date(now.getTime() + graceSeconds * 1000);
  const replaced = current.find((secret) => stillValid(secret, now));
  if (graceSeconds === 0 || replaced === undefined) return [fresh];
  const expiresAt = replaced.expiresAt && replaced.expiresAt < graceEnds ? replaced.expiresAt : graceEnds;
  return [fresh, { ...replaced, expiresAt }];
}

/** The plaintext secrets a delivery is signed with now: one, or two during a rotation's grace period. */
export const signingSecrets = (box: SecretBox, ruleId: Types.ObjectId, secrets: readonly SealedSecret[], now = new Date()): string[] =>
  secrets.filter((secret) => stillValid(secret, now)).map((secret) => box.open(secret.sealed, ruleId.toHexString()));
