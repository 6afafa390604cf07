import type { Request } from 'express';
import { DomainError } from '../shared/errors';
import { parseKeyType } from '../modules/keys/keyFormat';
import type { KeyType } from '../modules/keys/scopes';
import type { KeyVerifier, VerifiedKey } from '../modules/keys/verifyKey';

/** `X-API-Key`, else `Authorization: Bearer`. Two X-API-Key headers arrive joined by ", " and fail the format check. */
export function presentedKeyOf(req: Request): string | null {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header.length > 0) return header.trim();
  const authorization = req.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1] ?? null;
  }
  return null;
}

/** The type a well-formed presented key claims, before anything is verified. */
export function presentedKeyType(req: Request): KeyType | null {
  const presented = presentedKeyOf(req);
  return presented === null ? null : parseKeyType(presented);
}

export async function authenticate(req: Request, verifyKey: KeyVerifier): Promise<VerifiedKey> {
  const presented = presentedKeyOf(req);
  // Anything longer than a key cannot be one; do not hash 10 kB headers.
  if (!presented || presented.length > 64) throw new DomainError('UNAUTHORIZED');
  const verification = await verifyKey(presented);
  if (!verification.valid) throw new DomainError('UNAUTHORIZED');
  return verification.key;
}
