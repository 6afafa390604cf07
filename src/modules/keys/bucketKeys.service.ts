import { DomainError } from '../../shared/errors';
import { toObjectId } from '../../shared/objectId';
import type { BucketRecord } from '../buckets/model';
import { issueKey } from './issueKey';
import { ApiKeyModel, type ApiKeyRecord } from './model';
import { scopesBeyondType, type Scope } from './scopes';

export interface NewBucketKey {
  name: string;
  type: 'write' | 'read';
  expiresAt?: Date;
  scopes?: Scope[];
}

export async function createBucketKey(
  bucket: BucketRecord,
  input: NewBucketKey,
  settings: { bcryptRounds: number; maxKeysPerBucket: number },
) {
  const widened = scopesBeyondType(input.type, input.scopes ?? []);
  if (widened.length > 0) {
    throw new DomainError('VALIDATION_FAILED', 'Invalid request parameters', [
      { path: ['body', 'scopes'], message: `Not allowed for ${input.type} keys: ${widened.join(', ')}` },
    ]);
  }
  const existing = await ApiKeyModel.countDocuments({ bucketId: bucket._id });
  if (existing >= settings.maxKeysPerBucket) {
    throw new DomainError('LIMIT_REACHED', `A bucket may have at most ${settings.maxKeysPerBucket} keys`);
  }
  return issueKey({ organizationId: bucket.organizationId, bucketId: bucket._id, ...input }, settings.bcryptRounds);
}

export async function listBucketKeys(bucket: BucketRecord): Promise<ApiKeyRecord[]> {
  return ApiKeyModel.find({ bucketId: bucket._id }).sort({ createdAt: 1, _id: 1 }).lean<ApiKeyRecord[]>();
}

async function findBucketKey(bucket: BucketRecord, keyId: string): Promise<ApiKeyRecord> {
  const record = await ApiKeyModel.findOne({ _id: toObjectId(keyId), bucketId: bucket._id }).lean<ApiKeyRecord>();
  if (!record) throw new DomainError('API_KEY_NOT_FOUND');
  return record;
}

export async function deleteBucketKey(bucket: BucketRecord, keyId: string): Promise<ApiKeyRecord> {
  const record = await findBucketKey(bucket, keyId);
  await ApiKeyModel.deleteOne({ _id: record._id });
  return record;
}

/**
 * Issues a successor with the same name, type, scopes and expiry. The old key keeps
 * working for the grace period (its expiry is brought forward), or is deleted at once.
 */
export async function rotateBucketKey(bucket: BucketRecord, keyId: string, gracePeriodSeconds: number, bcryptRounds: number) {
  const old = await findBucketKey(bucket, keyId);
  // A successor would inherit the expiry and be dead on arrival; an expired key is replaced by a new one.
  if (old.expiresAt && old.expiresAt.getTime() <= Date.now()) throw new DomainError('API_KEY_EXPIRED');
  const successor = await issueKey(
    {
      organizationId: old.organizationId,
      bucketId: old.bucketId ?? null,
      name: old.name,
      type: old.type,
      scopes: (old.scopes as Scope[] | undefined) ?? null,
      expiresAt: old.expiresAt ?? null,
    },
    bcryptRounds,
  );
  let oldExpiresAt: Date | null = null;
  if (gracePeriodSeconds === 0) {
    await ApiKeyModel.deleteOne({ _id: old._id });
  } else {
    const graceEnd = new Date(Date.now() + gracePeriodSeconds * 1000);
    oldExpiresAt = old.expiresAt && old.expiresAt < graceEnd ? old.expiresAt : graceEnd;
    await ApiKeyModel.updateOne({ _id: old._id }, { $set: { expiresAt: oldExpiresAt } });
  }
  return { successor, previous: { _id: old._id.toHexString(), expiresAt: oldExpiresAt } };
}
