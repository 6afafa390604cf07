import { Types } from 'mongoose';
import { DomainError, type ValidationIssue } from '../../shared/errors';
import type { BucketRecord } from '../buckets/model';
import { DataSourceModel, type DataSourceRecord } from '../sources/model';
import { asFieldValues, checkValues } from './checkValues';
import { DataPointModel, type DataPointRecord, type FieldValue } from './model';

export interface PointInput {
  dataSourceId: string;
  timestamp?: Date;
  values: Record<string, unknown>;
  metadata?: Record<string, FieldValue>;
}

type SourceSchema = Pick<DataSourceRecord, '_id' | 'schema'>;

const buildPoint = (bucket: BucketRecord, source: SourceSchema, input: PointInput, now: Date): DataPointRecord => ({
  _id: new Types.ObjectId(),
  bucketId: bucket._id,
  dataSourceId: source._id,
  timestamp: input.timestamp ?? now,
  values: asFieldValues(input.values),
  metadata: input.metadata ?? {},
  createdAt: now,
});

const invalid = (issues: ValidationIssue[]) => new DomainError('VALIDATION_FAILED', undefined, issues);

/** Stores one point; resolves only once the database acknowledged it. */
export async function ingestPoint(bucket: BucketRecord, input: PointInput): Promise<DataPointRecord> {
  const source = await DataSourceModel.findOne({ _id: new Types.ObjectId(input.dataSourceId), bucketId: bucket._id })
    .select('schema')
    .lean<SourceSchema>();
  if (!source) throw new DomainError('DATA_SOURCE_NOT_FOUND');
  const issues = checkValues(input.values, source.schema, ['body', 'values']);
  if (issues.length > 0) throw invalid(issues);
  const point = buildPoint(bucket, source, input, new Date());
  await DataPointModel.collection.insertOne(point);
  return point;
}

/**
 * All or nothing: every point is checked before any is written, and every bad point is
 * reported. Should the database fail part-way, the points that did land are removed again.
 */
export async function ingestBatch(bucket: BucketRecord, inputs: PointInput[]): Promise<number> {
  const sourceIds = [...new Set(inputs.map((input) => input.dataSourceId.toLowerCase()))];
  const sources = await DataSourceModel.find({ _id: { $in: sourceIds.map((id) => new Types.ObjectId(id)) }, bucketId: bucket._id })
    .select('schema')
    .lean<SourceSchema[]>();
  const sourceById = new Map(sources.map((source) => [source._id.toHexString(), source]));

  const issues: ValidationIssue[] = [];
  inputs.forEach((input, index) => {
    const source = sourceById.get(input.dataSourceId.toLowerCase());
    if (!source) {
      issues.push({ path: ['body', 'dataPoints', index, 'dataSourceId'], message: 'Data source not found in this bucket' });
    } else {
      issues.push(...checkValues(input.values, source.schema, ['body', 'dataPoints', index, 'values']));
    }
  });
  if (issues.length > 0) throw invalid(issues);

  const now = new Date();
  const points = inputs.map((input) => buildPoint(bucket, sourceById.get(input.dataSourceId.toLowerCase())!, input, now));
  try {
    await DataPointModel.collection.insertMany(points, { ordered: false });
  } catch (error) {
    await DataPointModel.collection.deleteMany({ _id: { $in: points.map((point) => point._id) } }).catch(() => undefined);
    throw error;
  }
  return points.length;
}
