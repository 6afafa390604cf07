import mongoose, { type Types } from 'mongoose';
import { withinQueryTime } from '../../db/queryTimeLimit';
import { collections } from '../../shared/collections';
import { ApiKeyModel } from '../keys/model';
import { BucketModel, type BucketRecord } from './model';

const countIn = (collection: string, bucketId: Types.ObjectId, maxTimeMS: number) =>
  withinQueryTime(maxTimeMS, (ms) => mongoose.connection.collection(collection).countDocuments({ bucketId }, { maxTimeMS: ms }));

const deleteIn = async (collection: string, bucketId: Types.ObjectId) =>
  (await mongoose.connection.collection(collection).deleteMany({ bucketId })).deletedCount;

export async function bucketStats(bucket: BucketRecord, maxTimeMS: number) {
  const [dataSourceCount, dataPointCount, apiKeyCount] = await Promise.all([
    countIn(collections.dataSources, bucket._id, maxTimeMS),
    countIn(collections.dataPoints, bucket._id, maxTimeMS),
    countIn(collections.apiKeys, bucket._id, maxTimeMS),
  ]);
  return { dataSourceCount, dataPointCount, apiKeyCount };
}

/**
 * The bucket is marked first, so ingest stops taking its points (every request reads the
 * bucket fresh); keys go next so they stop working at once; the bucket document goes last,
 * so an interrupted delete leaves a bucket that can simply be deleted again. A point
 * acknowledged between the mark and the points' delete is removed by the retention job.
 */
export async function deleteBucketWithResources(bucket: BucketRecord) {
  await BucketModel.updateOne({ _id: bucket._id }, { $set: { deletingAt: new Date() } });
  const apiKeys = (await ApiKeyModel.deleteMany({ bucketId: bucket._id })).deletedCount;
  const alertRules = await deleteIn(collections.alertRules, bucket._id);
  await deleteIn(collections.webhookDeliveries, bucket._id);
  // Copies of its recent points, kept for live streams' replay.
  await deleteIn(collections.liveEvents, bucket._id);
  await deleteIn(collections.streamDemand, bucket._id);
  const dataPoints = await deleteIn(collections.dataPoints, bucket._id);
  const dataSources = await deleteIn(collections.dataSources, bucket._id);
  await BucketModel.deleteOne({ _id: bucket._id });
  return { dataSources, dataPoints, apiKeys, alertRules };
}
