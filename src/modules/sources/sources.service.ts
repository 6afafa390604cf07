import mongoose, { type Types } from 'mongoose';
import { assertNoClash, rethrowDuplicateAs } from '../../db/uniqueness';
import { collections } from '../../shared/collections';
import { DomainError } from '../../shared/errors';
import { toObjectId } from '../../shared/objectId';
import type { BucketRecord } from '../buckets/model';
import { DataSourceModel, type DataSourceRecord, type FieldDefinition } from './model';

export interface NewDataSource {
  name: string;
  type: string;
  description: string;
  schema: Record<string, FieldDefinition>;
  downsampling: boolean;
}
export type DataSourceChanges = Partial<NewDataSource & { status: 'active' | 'inactive' }>;

export async function listDataSources(bucket: BucketRecord): Promise<DataSourceRecord[]> {
  return DataSourceModel.find({ bucketId: bucket._id }).sort({ createdAt: 1, _id: 1 }).lean<DataSourceRecord[]>();
}

export async function findDataSource(bucket: BucketRecord, sourceId: string): Promise<DataSourceRecord> {
  const source = await DataSourceModel.findOne({ _id: toObjectId(sourceId), bucketId: bucket._id }).lean<DataSourceRecord>();
  if (!source) throw new DomainError('DATA_SOURCE_NOT_FOUND');
  return source;
}

const assertNameFree = (bucketId: Types.ObjectId, name: string, exceptId?: Types.ObjectId) =>
  assertNoClash(DataSourceModel, { bucketId, name }, 'DATA_SOURCE_NAME_TAKEN', exceptId);
const rethrowDuplicateAsNameTaken = rethrowDuplicateAs('DATA_SOURCE_NAME_TAKEN');

export async function createDataSource(bucket: BucketRecord, input: NewDataSource): Promise<DataSourceRecord> {
  await assertNameFree(bucket._id, input.name);
  const created = await DataSourceModel.create({ bucketId: bucket._id, ...input }).catch(rethrowDuplicateAsNameTaken);
  return created.toObject() as DataSourceRecord;
}

export async function updateDataSource(
  bucket: BucketRecord,
  sourceId: string,
  changes: DataSourceChanges,
): Promise<DataSourceRecord> {
  const source = await findDataSource(bucket, sourceId);
  if (changes.name !== undefined && changes.name !== source.name) await assertNameFree(bucket._id, changes.name, source._id);
  const updated = await DataSourceModel.findOneAndUpdate({ _id: source._id }, { $set: changes }, { returnDocument: 'after' })
    .lean<DataSourceRecord>()
    .catch(rethrowDuplicateAsNameTaken);
  if (!updated) throw new DomainError('DATA_SOURCE_NOT_FOUND');
  return updated;
}

/** Points go first, so an interrupted delete leaves a data source that can be deleted again. */
export async function deleteDataSource(bucket: BucketRecord, sourceId: string) {
  const source = await findDataSource(bucket, sourceId);
  const points = await mongoose.connection
    .collection(collections.dataPoints)
    .deleteMany({ bucketId: bucket._id, dataSourceId: source._id });
  await DataSourceModel.deleteOne({ _id: source._id });
  return { source, deletedDataPoints: points.deletedCount };
}
