import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
// Names the format, so a later key or algorithm change can tell old values apart.
const PREFIX = 'v1.';

/** AES-256-GCM for webhook secrets at rest. */
/** A sealed secret that this key cannot open: another WEBHOOK_SECRET_KEY, another rule, or altered. */
export class UnopenableSecretError extends Error {}

export interface SecretBox {
  /** context is bound as additional authenticated data (we pass the alert rule id), so a sealed value moved to another rule fails to open. */
  seal(plaintext: string, context: string): string;
  /** Throws on tamper, wrong key or wrong context. */
  open(sealed: string, context: string): string;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== KEY_BYTES) throw new Error(`The webhook secret key must be ${KEY_BYTES} bytes, not ${key.length}`);
  const boxKey = Buffer.from(key);
  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, boxKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64url');
    },
    open(sealed, context) {
      const raw = sealed.startsWith(PREFIX) ? Buffer.from(sealed.slice(PREFIX.length), 'base64url') : Buffer.alloc(0);
      if (raw.length < IV_BYTES + TAG_BYTES) throw new UnopenableSecretError('Sealed webhook secret is malformed');
      const decipher = createDecipheriv(ALGORITHM, boxKey, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        throw new UnopenableSecretError('Sealed webhook secret could not be opened (wrong key, wrong rule, or altered)');
      }
    },
  };
}

/**
 * Parses WEBHOOK_SECRET_KEY: 32 bytes given as base64 (44 chars, padding optional) or as
 * 64 hex chars; null when it is neither.
 */
export function parseSecretKey(text: string): Buffer | null {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (!/^[A-Za-z0-9+/]{43}=?$/.test(trimmed)) return null;
  const key = Buffer.from(trimmed, 'base64');
  // Buffer.from ignores stray bits in the last character; re-encoding catches non-canonical text.
  if (key.length !== KEY_BYTES || key.toString('base64') !== trimmed.padEnd(44, '=')) return null;
  return key;
}
