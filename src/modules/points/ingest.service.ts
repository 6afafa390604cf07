import { Types } from 'mongoose';
import type { StableIds } from '../idempotency/withIdempotency';
import { DomainError, type ValidationIssue } from '../../shared/errors';
import type { BucketRecord } from '../buckets/model';
import type { BatchLookup } from '../../db/batchLookup';
import { DataSourceModel } from '../sources/model';
import type { SourceSchema } from '../sources/sourceLookup';
import { asFieldValues, checkValues } from './checkValues';
import { DataPointModel, type DataPointRecord, type FieldValue } from './model';

export interface PointInput {
  dataSourceId: string;
  timestamp?: Date;
  values: Record<string, unknown>;
  metadata?: Record<string, FieldValue>;
}


/** Stable point _ids of an idempotent request; null for a plain one. */
export type PointIds = StableIds | null;

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

const idsOf = (points: DataPointRecord[]) => points.map((point) => point._id);

/**
 * With stable ids, a failed insert whose points are all in the database means an earlier
 * attempt of this same request stored them. Presence is checked rather than trusting the
 * error code: the embedded database reports every insert failure as a duplicate key.
 */
async function alreadyStored(points: DataPointRecord[]): Promise<boolean> {
  return (await DataPointModel.collection.countDocuments({ _id: { $in: idsOf(points) } })) === points.length;
}

/**
 * Writes the points, acknowledged. An idempotent request resuming an abandoned attempt
 * writes only the points that attempt did not, because time-series collections do not
 * enforce _id uniqueness.
 */
async function storePoints(points: DataPointRecord[], ids: PointIds): Promise<void> {
  let pending = points;
  if (ids?.resuming) {
    const stored = await DataPointModel.collection.find({ _id: { $in: idsOf(points) } }, { projection: { _id: 1 } }).toArray();
    const storedIds = new Set(stored.map((point) => point._id.toHexString()));
    pending = points.filter((point) => !storedIds.has(point._id.toHexString()));
  }
  if (pending.length === 0) return;
  try {
    await DataPointModel.collection.insertMany(pending, { ordered: false });
  } catch (error) {
    if (ids && (await alreadyStored(pending))) return;
    // Without stable ids a retry would duplicate what landed, so take it back; with them, a retry completes it.
    if (!ids) await DataPointModel.collection.deleteMany({ _id: { $in: idsOf(pending) } }).catch(() => undefined);
    throw error;
  }
}

export interface SinglePointWriter {
  loadSource: BatchLookup<SourceSchema>;
  commitPoint: (point: DataPointRecord) => Promise<void>;
}

/**
 * Stores one point, group-committed with concurrent requests' points; resolves only once
 * the database acknowledged it.
 */
export async function ingestPoint(bucket: BucketRecord, input: PointInput, ids: PointIds, writer: SinglePointWriter): Promise<DataPointRecord> {
  const source = await writer.loadSource(input.dataSourceId.toLowerCase());
  if (!source || !source.bucketId.equals(bucket._id)) throw new DomainError('DATA_SOURCE_NOT_FOUND');
  const issues = checkValues(input.values, source.schema, ['body', 'values']);
  if (issues.length > 0) throw invalid(issues);
  const point = buildPoint(bucket, source, input, new Date(), ids ? ids.idFor(0) : new Types.ObjectId());
  if (ids?.resuming) {
    await storePoints([point], ids);
    return point;
  }
  try {
    await writer.commitPoint(point);
  } catch (error) {
    if (!(ids && (await alreadyStored([point])))) throw error;
  }
  return point;
}

/**
 * All or nothing: every point is checked before any is written, and every bad point is
 * reported; a database failure part-way is handled by storePoints.
 */
export async function ingestBatch(bucket: BucketRecord, inputs: PointInput[], ids: PointIds): Promise<number> {
  const sourceIds = [...new Set(inputs.map((input) => input.dataSourceId.toLowerCase()))];
  const sources = await DataSourceModel.find({ _id: { $in: sourceIds.map((id) => new Types.ObjectId(id)) }, bucketId: bucket._id })
    .select('bucketId schema')
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
    buildPoint(bucket, sourceById.get(input.dataSourceId.toLowerCase())!, input, now, ids ? ids.idFor(n) : new Types.ObjectId()),
  );
  await storePoints(points, ids);
  return points.length;
}
