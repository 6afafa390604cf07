import { Types } from 'mongoose';
import { DomainError } from '../../shared/errors';
import type { BucketRecord } from '../buckets/model';
import { DataSourceModel } from '../sources/model';
import { DataPointModel } from './model';

export interface RangeToDelete {
  dataSourceId?: string;
  startTime: Date;
  endTime: Date;
}

/** Deletes the bucket's points in [startTime, endTime), optionally of one data source. */
export async function deleteRange(bucket: BucketRecord, range: RangeToDelete): Promise<number> {
  let dataSourceId: Types.ObjectId | undefined;
  if (range.dataSourceId) {
    dataSourceId = new Types.ObjectId(range.dataSourceId);
    if (!(await DataSourceModel.exists({ _id: dataSourceId, bucketId: bucket._id }))) throw new DomainError('DATA_SOURCE_NOT_FOUND');
  }
  const result = await DataPointModel.collection.deleteMany({
    bucketId: bucket._id,
    ...(dataSourceId ? { dataSourceId } : {}),
    timestamp: { $gte: range.startTime, $lt: range.endTime },
  });
  return result.deletedCount;
}
