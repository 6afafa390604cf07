import bcrypt from 'bcrypt';
import type { BucketRecord } from '../buckets/model';
import { createKeyLookup } from './keyLookup';
import { keyPrefixOf, lookupHashOf, parseKeyType } from './keyFormat';
import { defaultScopes, type KeyType, type Scope } from './scopes';

export interface VerifiedKey {
  id: string;
  organizationId: string;
  bucketId: string | null;
  type: KeyType;
  /** All a listing or the audit log ever shows of the key (api.md §1). */
  keyPrefix: string;
  scopes: readonly Scope[];
  /**
   * A bucket key's bucket as read with the key (null if it is gone, or for admin keys).
   * Undefined when the key was not read from the database with its bucket.
   */
  bucket?: BucketRecord | null;
}

export type KeyVerification =
  | { valid: true; key: VerifiedKey }
  | { valid: false; reason: 'MALFORMED' | 'UNKNOWN' | 'EXPIRED' | 'WRONG_SECRET' };

export interface KeyVerifierOptions {
  cacheSize: number;
  /** Bound on the key read, like every request-driven database operation (default 10 s). */
  maxTimeMS?: number;
  /** Seam for tests that count bcrypt work. */
  compare?: (plaintext: string, hash: string) => Promise<boolean>;
}

export type KeyVerifier = (presented: string) => Promise<KeyVerification>;

/**
 * Checks in a fixed order: format, existence (one indexed read, shared with the requests
 * of the same moment, so a deleted key fails on its next request on every instance),
 * expiry, then the secret. The bcrypt compare runs once per key per process: afterwards
 * the cache remembers which stored hash this lookup handle already matched (least recently
 * used evicted first), and forgets it as soon as the key is found deleted or expired.
 */
export function createKeyVerifier(options: KeyVerifierOptions): KeyVerifier {
  const compare = options.compare ?? bcrypt.compare;
  const matchedHashByLookup = new Map<string, string>();

  // Least recently used goes first: a Map iterates in insertion order, and a hit re-inserts.
  // One tenant cycling through many keys then evicts its own cold keys, not everyone's hot ones.
  const remember = (lookupHash: string, keyHash: string): void => {
    if (options.cacheSize === 0) return;
    matchedHashByLookup.delete(lookupHash);
    if (matchedHashByLookup.size >= options.cacheSize) {
      const leastRecent = matchedHashByLookup.keys().next().value;
      if (leastRecent !== undefined) matchedHashByLookup.delete(leastRecent);
    }
    matchedHashByLookup.set(lookupHash, keyHash);
  };

  const findByLookupHash = createKeyLookup(options.maxTimeMS ?? 10_000);

  // Simultaneous first uses of a key share one compare: 500 streams opening at once with a
  // new key would otherwise run 500 bcrypt compares, one CPU-heavy hash each.
  const comparing = new Map<string, Promise<boolean>>();
  const compareOnce = (presented: string, lookupHash: string, keyHash: string): Promise<boolean> => {
    const id = `${lookupHash}:${keyHash}`;
    let pending = comparing.get(id);
    if (!pending) {
      pending = compare(presented, keyHash).finally(() => comparing.delete(id));
      comparing.set(id, pending);
    }
    return pending;
  };

  return async (presented) => {
    const type = parseKeyType(presented);
    if (!type) return { valid: false, reason: 'MALFORMED' };

    const lookupHash = lookupHashOf(presented);
    const record = await findByLookupHash(lookupHash);
    if (!record || record.type !== type) {
      matchedHashByLookup.delete(lookupHash);
      return { valid: false, reason: 'UNKNOWN' };
    }
    if (record.expiresAt && record.expiresAt.getTime() <= Date.now()) {
      matchedHashByLookup.delete(lookupHash);
      return { valid: false, reason: 'EXPIRED' };
    }

    if (matchedHashByLookup.get(lookupHash) !== record.keyHash) {
      if (!(await compareOnce(presented, lookupHash, record.keyHash))) return { valid: false, reason: 'WRONG_SECRET' };
    }
    remember(lookupHash, record.keyHash);

    return {
      valid: true,
      key: {
        id: record._id.toHexString(),
        organizationId: record.organizationId.toHexString(),
        bucketId: record.bucketId ? record.bucketId.toHexString() : null,
        type,
        keyPrefix: keyPrefixOf(presented),
        scopes: record.scopes && record.scopes.length > 0 ? (record.scopes as Scope[]) : defaultScopes[type],
        bucket: record.bucket,
      },
    };
  };
}
