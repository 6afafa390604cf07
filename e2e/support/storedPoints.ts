import { Types } from 'mongoose';
import { DataPointModel } from '../../src/modules/points/model';
import { DataSourceModel } from '../../src/modules/sources/model';

export interface StoredPoint {
  measurement: string;
  /** Milliseconds since 1970. */
  time: number;
  values: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** Every point a bucket holds, read from the database, as line protocol names things: measurement (data source name), time, fields, tags. */
export async function storedPoints(bucketId: string): Promise<StoredPoint[]> {
  const bucket = new Types.ObjectId(bucketId);
  const sources = await DataSourceModel.find({ bucketId: bucket }).lean();
  const nameOf = new Map(sources.map((source) => [source._id.toHexString(), source.name]));
  const points = await DataPointModel.collection.find({ bucketId: bucket }).sort({ timestamp: 1, _id: 1 }).toArray();
  return points.map((point) => ({
    measurement: nameOf.get(point.dataSourceId.toHexString()) ?? `<unknown source ${point.dataSourceId.toHexString()}>`,
    time: (point.timestamp as Date).getTime(),
    values: point.values as Record<string, unknown>,
    metadata: (point.metadata ?? {}) as Record<string, unknown>,
  }));
}
