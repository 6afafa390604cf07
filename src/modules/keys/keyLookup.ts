import { createBatchLookup, type BatchLookup } from '../../db/batchLookup';
import { collections } from '../../shared/collections';
import type { BucketRecord } from '../buckets/model';
import { ApiKeyModel, type ApiKeyRecord } from './model';

export type KeyRecord = Pick<
  ApiKeyRecord,
  '_id' | 'organizationId' | 'bucketId' | 'type' | 'scopes' | 'expiresAt' | 'keyHash' | 'lookupHash'
> & {
  /** A bucket key's bucket, read in the same round trip; null for admin keys or a vanished bucket. */
  bucket: BucketRecord | null;
};

/**
 * Keys by lookup handle, each with its bucket joined in: for the write and read keys on the
 * hot path, authentication and the bucket check cost one database round trip together.
 * Coalesced per event-loop turn; never cached.
 */
export const createKeyLookup = (maxTimeMS: number): BatchLookup<KeyRecord> =>
  createBatchLookup(async (lookupHashes) => {
    const records = await ApiKeyModel.collection
      .aggregate<Omit<KeyRecord, 'bucket'> & { bucket: BucketRecord[] }>(
        [
          { $match: { lookupHash: { $in: lookupHashes } } },
          { $project: { organizationId: 1, bucketId: 1, type: 1, scopes: 1, expiresAt: 1, keyHash: 1, lookupHash: 1 } },
          { $lookup: { from: collections.buckets, localField: 'bucketId', foreignField: '_id', as: 'bucket' } },
        ],
        { maxTimeMS },
      )
      .toArray();
    return new Map(records.map((record) => [record.lookupHash, { ...record, bucket: record.bucket[0] ?? null }]));
  });
