import type { Types } from 'mongoose';
import { DataPointModel } from './model';

const dayMs = 86_400_000;

export const retentionCutoff = (retentionDays: number, now = Date.now()): Date => new Date(now - retentionDays * dayMs);

/**
 * Deletes the points matching `filter` in batches of at most `batchSize`, so one run never
 * holds a long delete against the database. Safe to run on several instances at once.
 */
export async function deletePointsInBatches(filter: Record<string, unknown>, batchSize: number): Promise<number> {
  let deleted = 0;
  for (;;) {
    const batch = await DataPointModel.collection
      .find(filter, { projection: { _id: 1 } })
      .limit(batchSize)
      .toArray();
    if (batch.length === 0) break;
    deleted += (await DataPointModel.collection.deleteMany({ _id: { $in: batch.map((point) => point._id) } })).deletedCount;
    if (batch.length < batchSize) break;
  }
  return deleted;
}

export const deleteExpiredPoints = (bucketId: Types.ObjectId, cutoff: Date, batchSize: number) =>
  deletePointsInBatches({ bucketId, timestamp: { $lt: cutoff } }, batchSize);

/**
 * The distinct values of an ObjectId field among matching points. A sorted $group (MongoDB
 * serves it with a distinct scan of the (bucketId, dataSourceId, timestamp) index) rather than
 * `distinct`, whose answer the embedded database does not give as ObjectIds.
 */
async function distinctIds(field: 'bucketId' | 'dataSourceId', filter: Record<string, unknown>): Promise<Types.ObjectId[]> {
  const groups = await DataPointModel.collection
    .aggregate<{ _id: Types.ObjectId }>([{ $match: filter }, { $sort: { [field]: 1 } }, { $group: { _id: `$${field}` } }])
    .toArray();
  return groups.map((group) => group._id);
}

/** Every bucket id that has points. */
export const bucketIdsWithPoints = () => distinctIds('bucketId', {});

/** Every data source id with points in one bucket. */
export const sourceIdsWithPoints = (bucketId: Types.ObjectId) => distinctIds('dataSourceId', { bucketId });
