import { Types } from 'mongoose';
import { createBatchLookup, type BatchLookup } from '../../db/batchLookup';
import { BucketModel, type BucketRecord } from './model';

/** Buckets by hex id, read fresh per request but in one query per moment under load. */
export const createBucketLookup = (maxTimeMS: number): BatchLookup<BucketRecord> =>
  createBatchLookup(async (ids) => {
    const buckets = await BucketModel.collection
      .find<BucketRecord>({ _id: { $in: ids.map((id) => new Types.ObjectId(id)) } }, { maxTimeMS })
      .toArray();
    return new Map(buckets.map((bucket) => [bucket._id.toHexString(), bucket]));
  });

/** A bucket of the organization by its name (unique there), for clients that name buckets (InfluxDB's `db`). */
export const createBucketByName =
  (maxTimeMS: number) =>
  (organizationId: string, name: string): Promise<BucketRecord | null> =>
    BucketModel.collection.findOne<BucketRecord>({ organizationId: new Types.ObjectId(organizationId), name }, { maxTimeMS });
