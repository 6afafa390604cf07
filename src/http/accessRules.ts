import type { Request } from 'express';
import { DomainError } from '../shared/errors';
import { isObjectIdHex } from '../shared/objectId';
import type { BatchLookup } from '../db/batchLookup';
import type { BucketRecord } from '../modules/buckets/model';
import { defaultScopes, type KeyType } from '../modules/keys/scopes';
import type { VerifiedKey } from '../modules/keys/verifyKey';
import type { Access, BucketSource } from './route';

type KeyAccess = Extract<Access, { kind: 'key' }>;

/**
 * 403 rules, derived from the route's declaration: the key's type must include the scope,
 * organization-wide routes need an organization-wide (admin) key, and a key's own
 * narrowed scopes must include it too.
 */
export function authorizeScope(access: KeyAccess, key: VerifiedKey): void {
  if (access.scope === null) return;
  const typeAllows = defaultScopes[key.type].includes(access.scope);
  const reachAllows = access.bucket !== undefined || key.bucketId === null;
  if (!typeAllows || !reachAllows) throw new DomainError('FORBIDDEN', access.deniedMessage);
  if (!key.scopes.includes(access.scope)) throw new DomainError('FORBIDDEN', 'Insufficient permissions');
}

function bucketIdFrom(req: Request, source: BucketSource): string {
  const container: unknown = source.from === 'params' ? req.params : req.body;
  const value = typeof container === 'object' && container !== null ? (container as Record<string, unknown>)[source.field] : undefined;
  if (source.from === 'body' && value === undefined) {
    throw new DomainError('VALIDATION_FAILED', undefined, [{ path: ['body', source.field], message: 'Required' }]);
  }
  if (!isObjectIdHex(value)) throw new DomainError('INVALID_ID', 'Invalid bucket ID format');
  return value;
}

/** A bucket id or name from the query string; null when absent and the route allows that. */
function bucketRefFrom(req: Request, source: Extract<BucketSource, { from: 'query' }>): string | null {
  const value = req.query[source.field];
  if ((value === undefined || value === '') && source.optional) return null;
  if (typeof value !== 'string' || value === '') {
    throw new DomainError('VALIDATION_FAILED', `Query parameter "${source.field}" is required: a bucket id or name`, [
      { path: ['query', source.field], message: 'Required: a bucket id or name' },
    ]);
  }
  return value;
}

export interface BucketFinders {
  loadBucket: BatchLookup<BucketRecord>;
  findBucketByName: (organizationId: string, name: string) => Promise<BucketRecord | null>;
}

/** A bucket key reaches only its own bucket, by id or name; an admin key any of its organization's. */
async function bucketByRef(ref: string, key: VerifiedKey, finders: BucketFinders): Promise<BucketRecord | null> {
  if (key.bucketId !== null) {
    const own = key.bucket !== undefined ? key.bucket : await finders.loadBucket(key.bucketId);
    return own && (own._id.toHexString() === ref.toLowerCase() || own.name === ref) ? own : null;
  }
  const byId = isObjectIdHex(ref) ? await finders.loadBucket(ref.toLowerCase()) : null;
  if (byId && byId.organizationId.toHexString() === key.organizationId) return byId;
  return finders.findBucketByName(key.organizationId, ref);
}

/**
 * 404 rule: another bucket, another organization's bucket and a missing bucket all get
 * the same answer, so a key cannot learn whether a bucket it may not see exists. Null only
 * for a route whose bucket is optional and not named.
 */
export async function resolveBucket(
  req: Request,
  source: BucketSource,
  key: VerifiedKey,
  finders: BucketFinders,
  prefetched?: Promise<BucketRecord | null>,
): Promise<BucketRecord | null> {
  let bucket: BucketRecord | null;
  if (source.from === 'query') {
    const ref = bucketRefFrom(req, source);
    if (ref === null) return null;
    bucket = await bucketByRef(ref, key, finders);
  } else {
    const bucketId = bucketIdFrom(req, source).toLowerCase();
    if (key.bucketId !== null && key.bucketId !== bucketId) throw new DomainError('BUCKET_NOT_FOUND');
    bucket = key.bucketId !== null && key.bucket !== undefined ? key.bucket : await (prefetched ?? finders.loadBucket(bucketId));
  }
  if (!bucket || bucket.organizationId.toHexString() !== key.organizationId) {
    throw new DomainError('BUCKET_NOT_FOUND');
  }
  return bucket;
}

/**
 * For an admin key, starts reading a bucket named in the path while the key is being
 * verified, so the two reads overlap (a bucket key's bucket comes with the key itself).
 * The result is used only after authentication and authorization passed.
 */
export function prefetchBucket(
  req: Request,
  source: BucketSource,
  presentedType: KeyType | null,
  loadBucket: BatchLookup<BucketRecord>,
): Promise<BucketRecord | null> | undefined {
  const bucketId = source.from === 'params' ? req.params[source.field] : undefined;
  if (presentedType !== 'admin' || !isObjectIdHex(bucketId)) return undefined;
  const pending = loadBucket(bucketId.toLowerCase());
  pending.catch(() => undefined);
  return pending;
}
