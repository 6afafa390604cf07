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

/** Gives the n-th point of a request its _id; stable across retries of an idempotent request. */
export type PointIds = ((n: number) => Types.ObjectId) | null;

const buildPoint = (bucket: BucketRecord, source: SourceSchema, input: PointInput, now: Date, id: Types.ObjectId): DataPointRecord => ({
  _id: id,
  bucketId: bucket._id,
  dataSourceId: source._id,
  timestamp: input.timestamp ?? now,
  values: asFieldValues(input.values),
  metadata: input.metadata ?? {},
  createdAt: now,
});

const invalid = (issues: ValidationIssue[]) => new DomainError('VALIDATION_FAILED', undefined, issues);

/**
 * With stable ids, a failed insert whose points are all in the database means an earlier
 * attempt of this same request stored them. Presence is checked rather than trusting the
 * error code: the embedded database reports every insert failure as a duplicate key.
 */
async function alreadyStored(points: DataPointRecord[]): Promise<boolean> {
  const present = await DataPointModel.collection.countDocuments({ _id: { $in: points.map((point) => point._id) } });
  return present === points.length;
}

/** Stores one point; resolves only once the database acknowledged it. */
export async function ingestPoint(bucket: BucketRecord, input: PointInput, ids: PointIds): Promise<DataPointRecord> {
  const source = await DataSourceModel.findOne({ _id: new Types.ObjectId(input.dataSourceId), bucketId: bucket._id })
    .select('schema')
    .lean<SourceSchema>();
  if (!source) throw new DomainError('DATA_SOURCE_NOT_FOUND');
  const issues = checkValues(input.values, source.schema, ['body', 'values']);
  if (issues.length > 0) throw invalid(issues);
  const point = buildPoint(bucket, source, input, new Date(), ids ? ids(0) : new Types.ObjectId());
  try {
    await DataPointModel.collection.insertOne(point);
  } catch (error) {
    if (!(ids && (await alreadyStored([point])))) throw error;
  }
  return point;
}

/**
 * All or nothing: every point is checked before any is written, and every bad point is
 * reported. Should the database fail part-way, the points that did land are removed again
 * (or, for an idempotent request, left for the retry to complete).
 */
export async function ingestBatch(bucket: BucketRecord, inputs: PointInput[], ids: PointIds): Promise<number> {
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
  const points = inputs.map((input, n) =>
    buildPoint(bucket, sourceById.get(input.dataSourceId.toLowerCase())!, input, now, ids ? ids(n) : new Types.ObjectId()),
  );
  try {
    await DataPointModel.collection.insertMany(points, { ordered: false });
  } catch (error) {
    if (ids && (await alreadyStored(points))) return points.length;
    // Without stable ids a retry would duplicate what landed, so take it back; with them, a retry completes it.
    if (!ids) await DataPointModel.collection.deleteMany({ _id: { $in: points.map((point) => point._id) } }).catch(() => undefined);
    throw error;
  }
  return points.length;
}
