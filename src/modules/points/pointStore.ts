import type { Types } from 'mongoose';
import { DataPointModel, type DataPointRecord } from './model';

/** The one write path for points: an unordered, acknowledged insertMany. */
export const insertPoints = (points: DataPointRecord[]) => DataPointModel.collection.insertMany(points, { ordered: false });

export async function storedPointIds(ids: Types.ObjectId[]): Promise<Set<string>> {
  const stored = await DataPointModel.collection.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray();
  return new Set(stored.map((point) => point._id.toHexString()));
}

export const deletePointsById = (ids: Types.ObjectId[]) => DataPointModel.collection.deleteMany({ _id: { $in: ids } });

/** A data source's newest point by timestamp, or its newest that has the number field `field`; read off the points index. */
export const latestPointOf = (bucketId: Types.ObjectId, dataSourceId: Types.ObjectId, field?: string) =>
  DataPointModel.collection.findOne(
    { bucketId, dataSourceId, ...(field === undefined ? {} : { [`values.${field}`]: { $exists: true } }) },
    { sort: { timestamp: -1 } },
  ) as Promise<DataPointRecord | null>;

/**
 * Whether the source has a point with a timestamp after `after` that was stored before
 * `storedBefore` (and has the number field `field`, when given): a range read on the points
 * index, no sort.
 */
export async function hasPointAfter(
  bucketId: Types.ObjectId,
  dataSourceId: Types.ObjectId,
  { after, storedBefore, field }: { after: Date; storedBefore: Date; field?: string },
): Promise<boolean> {
  const filter = {
    bucketId,
    dataSourceId,
    timestamp: { $gt: after },
    createdAt: { $lt: storedBefore },
    ...(field === undefined ? {} : { [`values.${field}`]: { $exists: true } }),
  };
  return (await DataPointModel.collection.findOne(filter, { projection: { _id: 1 } })) !== null;
}
