import { createHash } from 'node:crypto';
import { customAlphabet } from 'nanoid';
import type { KeyType } from './scopes';

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const secretLength = 40;
const generateSecret = customAlphabet(base62, secretLength);

const prefixByType: Record<KeyType, string> = {
  admin: 'dakkio_a_',
  write: 'dakkio_w_',
  read: 'dakkio_r_',
};
const typeByLetter: Record<string, KeyType> = { a: 'admin', w: 'write', r: 'read' };
const keyPattern = /^dakkio_([awr])_[0-9A-Za-z]{40}$/;

export const generateKey = (type: KeyType): string => prefixByType[type] + generateSecret();

/** The key's type when it is well formed, otherwise null. */
export function parseKeyType(presented: string): KeyType | null {
  const match = keyPattern.exec(presented);
  return match ? (typeByLetter[match[1] as string] ?? null) : null;
}

/** All a listing ever shows of a key. */
export const keyPrefixOf = (key: string): string => `${key.slice(0, 12)}...`;

/**
 * The indexed handle a presented key is found by. A SHA-256 of 238 random bits cannot be
 * reversed, and unlike bcrypt it is deterministic, so authentication is one indexed read.
 */
export const lookupHashOf = (key: string): string => createHash('sha256').update(key).digest('hex');
