import { Types } from 'mongoose';
import { DomainError, type ValidationIssue } from '../../shared/errors';
import type { BucketRecord } from '../buckets/model';
import type { DataPointRecord, FieldValue } from '../points/model';
import type { SourceSchema } from '../sources/sourceLookup';
import { asFieldValues, checkValues } from './checkValues';

export interface PointInput {
  dataSourceId: string;
  timestamp?: Date;
  values: Record<string, unknown>;
  metadata?: Record<string, FieldValue>;
}

export interface PointsToBuild {
  bucket: BucketRecord;
  inputs: readonly PointInput[];
  /** Where the transport's request holds point `index`, for the paths of validation issues. */
  pathOf: (index: number) => (string | number)[];
  /** A lone point naming an unknown data source is a 404; in a batch it is one bad point among others. */
  unknownSource: 'not-found' | 'invalid';
  /** The transport already checked every point's values against these very sources (line protocol). */
  valuesChecked?: boolean;
}

const noProblems: readonly ValidationIssue[] = [];

/** A source that is being deleted takes no new points: they would outlive it. */
const usableSource = (source: SourceSchema | undefined, bucket: BucketRecord) =>
  source?.bucketId.equals(bucket._id) && !source.deletingAt ? source : undefined;

/**
 * Checks every point against its data source's schema and builds the documents to store,
 * each with a new _id (a write with an Idempotency-Key replaces it with one from its claim).
 * All or nothing: every problem of every point is reported, and nothing is built if any.
 */
export function buildPoints(request: PointsToBuild, sources: Map<string, SourceSchema>, now: Date): DataPointRecord[] {
  const issues: ValidationIssue[] = [];
  const points: DataPointRecord[] = [];
  request.inputs.forEach((input, index) => {
    const source = usableSource(sources.get(input.dataSourceId.toLowerCase()), request.bucket);
    if (!source) {
      if (request.unknownSource === 'not-found') throw new DomainError('DATA_SOURCE_NOT_FOUND');
      issues.push({ path: [...request.pathOf(index), 'dataSourceId'], message: 'Data source not found in this bucket' });
      return;
    }
    const problems = request.valuesChecked
      ? noProblems
      : checkValues(input.values, source.schema, () => [...request.pathOf(index), 'values']);
    if (problems.length > 0) issues.push(...problems);
    // _id first, as MongoDB stores it: the server need not reorder each document.
    points.push({
      _id: new Types.ObjectId(),
      bucketId: request.bucket._id,
      dataSourceId: source._id,
      timestamp: input.timestamp ?? now,
      values: asFieldValues(input.values),
      metadata: input.metadata ?? {},
      createdAt: now,
    });
  });
  if (issues.length > 0) throw new DomainError('VALIDATION_FAILED', undefined, issues);
  return points;
}
