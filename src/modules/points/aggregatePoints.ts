import type { mongo, Types } from 'mongoose';
import { DataPointModel } from './model';
import type { Aggregation, Interval } from './query.schemas';

type Document = mongo.Document;

export interface AggregateRequest {
  filter: Document;
  aggregation: Aggregation;
  /** Absent: one row per data source over the whole range. */
  groupBy?: Interval;
  fields?: string[];
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export interface AggregatedRow {
  timestamp: Date;
  dataSourceId: Types.ObjectId;
  values: Record<string, number>;
  count: number;
}

/** A pseudo-field every point has once, so the per-field grouping also counts points. */
const pointCounter = '#points';

const accumulatorOf: Record<Aggregation, Document> = {
  avg: { $avg: '$field.v' },
  min: { $min: '$field.v' },
  max: { $max: '$field.v' },
  sum: { $sum: '$field.v' },
  count: { $sum: 1 },
  first: { $first: '$field.v' },
  last: { $last: '$field.v' },
};

/**
 * Runs inside MongoDB: each point is unwound into its numeric fields, grouped per data
 * source, interval and field (so first/last are the first/last numeric value of that field
 * and non-numeric fields drop out), then regrouped into one row per data source per interval.
 * Intervals without points produce no row. Weeks start on Monday; all intervals are UTC.
 */
export async function aggregatePoints(request: AggregateRequest): Promise<{ rows: AggregatedRow[]; total: number }> {
  const interval = request.groupBy
    ? { $dateTrunc: { date: '$timestamp', unit: request.groupBy, binSize: 1, startOfWeek: 'monday' } }
    : null;
  const direction = request.order === 'asc' ? 1 : -1;
  const fieldFilter = request.fields ? [{ $match: { 'field.k': { $in: [...request.fields, pointCounter] } } }] : [];
  const pipeline: Document[] = [
    { $match: request.filter },
    ...(request.aggregation === 'first' || request.aggregation === 'last' ? [{ $sort: { timestamp: 1, _id: 1 } }] : []),
    {
      $project: {
        dataSourceId: 1,
        timestamp: 1,
        field: { $concatArrays: [[{ k: pointCounter, v: 1 }], { $objectToArray: '$values' }] },
      },
    },
    { $unwind: '$field' },
    { $match: { 'field.v': { $type: 'number' } } },
    ...fieldFilter,
    {
      $group: {
        _id: { dataSourceId: '$dataSourceId', interval, field: '$field.k' },
        value: accumulatorOf[request.aggregation],
        points: { $sum: 1 },
        firstSeen: { $min: '$timestamp' },
      },
    },
    {
      $group: {
        _id: { dataSourceId: '$_id.dataSourceId', interval: '$_id.interval' },
        values: { $push: { k: '$_id.field', v: '$value' } },
        count: { $max: { $cond: [{ $eq: ['$_id.field', pointCounter] }, '$points', 0] } },
        firstSeen: { $min: '$firstSeen' },
      },
    },
    { $sort: { '_id.interval': direction, firstSeen: direction, '_id.dataSourceId': 1 } },
    { $facet: { rows: [{ $skip: request.offset }, { $limit: request.limit }], total: [{ $count: 'n' }] } },
  ];
  const [result] = await DataPointModel.collection.aggregate(pipeline, { allowDiskUse: true }).toArray();
  const rows = (result?.rows ?? []) as Document[];
  return {
    total: (result?.total?.[0]?.n as number | undefined) ?? 0,
    rows: rows.map((row) => ({
      timestamp: (row._id.interval as Date | null) ?? (row.firstSeen as Date),
      dataSourceId: row._id.dataSourceId as Types.ObjectId,
      values: Object.fromEntries(
        (row.values as { k: string; v: number }[]).filter((entry) => entry.k !== pointCounter).map((entry) => [entry.k, entry.v]),
      ),
      count: row.count as number,
    })),
  };
}
