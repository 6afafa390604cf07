import type { BatchLookup } from '../../db/batchLookup';
import { DomainError } from '../../shared/errors';
import type { BucketRecord } from '../buckets/model';
import type { VerifiedKey } from '../keys/verifyKey';
import type { SourceSchema } from '../sources/sourceLookup';

export interface SourceAccessPorts {
  loadSource: BatchLookup<SourceSchema>;
  loadBucket: BatchLookup<BucketRecord>;
}

/**
 * The bucket of a data source named in a topic, when the key reaches it: a bucket key its
 * own bucket's sources, an admin key its organization's. Anything else, including a source
 * that does not exist, is the same DATA_SOURCE_NOT_FOUND, as over HTTP.
 */
export async function bucketOfSource(key: VerifiedKey, sourceId: string, ports: SourceAccessPorts): Promise<BucketRecord> {
  const source = await ports.loadSource(sourceId);
  const bucketId = source && !source.deletingAt ? source.bucketId.toHexString() : undefined;
  const reachable = bucketId !== undefined && (key.bucketId === null || key.bucketId === bucketId);
  const bucket = reachable ? await ports.loadBucket(bucketId) : null;
  if (!bucket || bucket.organizationId.toHexString() !== key.organizationId || bucket.deletingAt) {
    throw new DomainError('DATA_SOURCE_NOT_FOUND');
  }
  return bucket;
}
