import type { Request } from 'express';
import { DomainError } from '../shared/errors';
import type { KeyVerifier, VerifiedKey } from '../modules/keys/verifyKey';
import { influxKeyOf } from './influxCredentials';
import type { Dialect } from './route';

/** `X-API-Key`, else `Authorization: Bearer`. Two X-API-Key headers arrive joined by ", " and fail the format check. */
function dakkioKeyOf(req: Request): string | null {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header.length > 0) return header.trim();
  const authorization = req.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1] ?? null;
  }
  return null;
}

export const presentedKeyOf = (req: Request, dialect: Dialect = 'dakkio'): string | null =>
  dialect === 'dakkio' ? dakkioKeyOf(req) : influxKeyOf(req, dialect === 'influx-v1');

export async function authenticate(presented: string | null, verifyKey: KeyVerifier): Promise<VerifiedKey> {
  // Anything longer than a key cannot be one; do not hash 10 kB headers.
  if (!presented || presented.length > 64) throw new DomainError('UNAUTHORIZED');
  const verification = await verifyKey(presented);
  if (!verification.valid) throw new DomainError('UNAUTHORIZED');
  return verification.key;
}
