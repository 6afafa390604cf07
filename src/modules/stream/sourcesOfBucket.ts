import type { BatchLookup } from '../../db/batchLookup';
import { DomainError } from '../../shared/errors';
import type { SourceSchema } from '../sources/sourceLookup';

/** The sources a stream asks for, each of which must be a live source of the bucket (another bucket's is 404). */
export async function sourcesOfBucket(bucketId: string, ids: string[], loadSource: BatchLookup<SourceSchema>): Promise<Set<string>> {
  const sources = await Promise.all(ids.map((id) => loadSource(id)));
  if (sources.some((source) => !source || source.deletingAt || source.bucketId.toHexString() !== bucketId)) {
    throw new DomainError('DATA_SOURCE_NOT_FOUND');
  }
  return new Set(ids);
}
