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

export interface SourceLimits {
  maxSourcesPerBucket: number;
  maxFieldsPerSource: number;
}

/** Every field becomes work in each aggregation over the source, so their number is capped. */
function assertFieldCount(schema: Record<string, FieldDefinition> | undefined, limits: SourceLimits): void {
  if (schema && Object.keys(schema).length > limits.maxFieldsPerSource) {
    throw new DomainError('VALIDATION_FAILED', undefined, [
      { path: ['body', 'schema'], message: `At most ${limits.maxFieldsPerSource} fields` },
    ]);
  }
}

async function assertRoomForSource(bucket: BucketRecord, limits: SourceLimits): Promise<void> {
  const existing = await DataSourceModel.countDocuments({ bucketId: bucket._id });
  if (existing >= limits.maxSourcesPerBucket) {
    throw new DomainError('LIMIT_REACHED', `A bucket may have at most ${limits.maxSourcesPerBucket} data sources`);
  }
}

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

export async function createDataSource(bucket: BucketRecord, input: NewDataSource, limits: SourceLimits): Promise<DataSourceRecord> {
  assertFieldCount(input.schema, limits);
  await assertNameFree(bucket._id, input.name);
  await assertRoomForSource(bucket, limits);
  const created = await DataSourceModel.create({ bucketId: bucket._id, ...input }).catch(rethrowDuplicateAsNameTaken);
  return created.toObject() as DataSourceRecord;
}

export async function updateDataSource(
  bucket: BucketRecord,
  sourceId: string,
  changes: DataSourceChanges,
  limits: SourceLimits,
): Promise<DataSourceRecord> {
  assertFieldCount(changes.schema, limits);
  const source = await findDataSource(bucket, sourceId);
  if (changes.name !== undefined && changes.name !== source.name) await assertNameFree(bucket._id, changes.name, source._id);
  const updated = await DataSourceModel.findOneAndUpdate({ _id: source._id }, { $set: changes }, { returnDocument: 'after' })
    .lean<DataSourceRecord>()
    .catch(rethrowDuplicateAsNameTaken);
  if (!updated) throw new DomainError('DATA_SOURCE_NOT_FOUND');
  return updated;
}

/**
 * The source is marked first, so ingest stops taking its points; then its points go, then the
 * source itself. A point acknowledged in the moment between the mark and the points' delete
 * is an orphan the retention job removes; an interrupted delete can simply be run again.
 */
export async function deleteDataSource(bucket: BucketRecord, sourceId: string) {
  const source = await findDataSource(bucket, sourceId);
  await DataSourceModel.updateOne({ _id: source._id }, { $set: { deletingAt: new Date() } });
  // Its alert rules go first, so none fires on the silence of a source being deleted.
  for (const name of [collections.alertRules, collections.webhookDeliveries]) {
    await mongoose.connection.collection(name).deleteMany({ bucketId: bucket._id, dataSourceId: source._id });
  }
  const points = await mongoose.connection
    .collection(collections.dataPoints)
    .deleteMany({ bucketId: bucket._id, dataSourceId: source._id });
  await DataSourceModel.deleteOne({ _id: source._id });
  return { source, deletedDataPoints: points.deletedCount };
}

/** Which of these data sources exist and are not being deleted. */
export async function liveSourceIdsAmong(ids: Types.ObjectId[]): Promise<Types.ObjectId[]> {
  const live = await DataSourceModel.find({ _id: { $in: ids }, deletingAt: null })
    .select('_id')
    .lean();
  return live.map((source) => source._id);
}

/** A data source's name, for messages about it (alert payloads); null once it is gone. */
export async function dataSourceNameOf(id: Types.ObjectId): Promise<string | null> {
  const source = await DataSourceModel.findById(id).select('name').lean();
  return source?.name ?? null;
}
