import { Types } from 'mongoose';
import { createBatchLookup, type BatchLookup } from '../../db/batchLookup';
import { DataSourceModel } from './model';
import type { SourceSchema } from './sourceLookup';

export type NamedSource = SourceSchema & { name: string };
export type SourceByName = (bucketId: Types.ObjectId, name: string) => Promise<NamedSource | null>;

const objectIdLength = 24;

/**
 * Data sources by bucket and name, for transports that name sources (line protocol's
 * measurements): read fresh per request, the lookups of one moment in one `$or` read.
 */
export function createSourceByName(maxTimeMS: number): SourceByName {
  const lookup: BatchLookup<NamedSource> = createBatchLookup(async (keys) => {
    const namesByBucket = new Map<string, string[]>();
    for (const key of keys) {
      const bucketId = key.slice(0, objectIdLength);
      namesByBucket.set(bucketId, [...(namesByBucket.get(bucketId) ?? []), key.slice(objectIdLength)]);
    }
    const filter = {
      $or: [...namesByBucket].map(([bucketId, names]) => ({ bucketId: new Types.ObjectId(bucketId), name: { $in: names } })),
    };
    const sources = await DataSourceModel.collection
      .find<NamedSource>(filter, { projection: { bucketId: 1, name: 1, schema: 1, deletingAt: 1 }, maxTimeMS })
      .toArray();
    return new Map(sources.map((source) => [source.bucketId.toHexString() + source.name, source]));
  });
  // The key is the bucket's 24 hex characters then the name, whatever characters the name holds.
  return (bucketId, name) => lookup(bucketId.toHexString() + name);
}
