import mongoose, { type Types } from 'mongoose';
import { collections } from '../../shared/collections';
import { ApiKeyModel } from '../keys/model';
import { BucketModel, type BucketRecord } from './model';

const countIn = (collection: string, bucketId: Types.ObjectId) =>
  mongoose.connection.collection(collection).countDocuments({ bucketId });

const deleteIn = async (collection: string, bucketId: Types.ObjectId) =>
  (await mongoose.connection.collection(collection).deleteMany({ bucketId })).deletedCount;

export async function bucketStats(bucket: BucketRecord) {
  const [dataSourceCount, dataPointCount, apiKeyCount] = await Promise.all([
    countIn(collections.dataSources, bucket._id),
    countIn(collections.dataPoints, bucket._id),
    ApiKeyModel.countDocuments({ bucketId: bucket._id }),
  ]);
  return { dataSourceCount, dataPointCount, apiKeyCount };
}

/**
 * Keys go first so the bucket's keys stop working at once; the bucket document goes last,
 * so an interrupted delete leaves a bucket that can simply be deleted again.
 */
export async function deleteBucketWithResources(bucket: BucketRecord) {
  const apiKeys = (await ApiKeyModel.deleteMany({ bucketId: bucket._id })).deletedCount;
  const alertRules = await deleteIn(collections.alertRules, bucket._id);
  const dataPoints = await deleteIn(collections.dataPoints, bucket._id);
  const dataSources = await deleteIn(collections.dataSources, bucket._id);
  await BucketModel.deleteOne({ _id: bucket._id });
  return { dataSources, dataPoints, apiKeys, alertRules };
}
