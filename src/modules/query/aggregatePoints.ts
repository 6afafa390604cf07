import type { mongo, Types } from 'mongoose';
import { withinQueryTime } from '../../db/queryTimeLimit';
import { DataPointModel } from '../points/model';
import { approximateJsonBytes, responseTooLarge, type QueryLimits } from './queryLimits';
import type { Aggregation, Interval } from './schemas';
import { groupByDeclaredFields, groupByUnwoundFields, type Grouping } from './groupings';

type Document = mongo.Document;

export interface AggregateRequest {
  filter: Document;
  aggregation: Aggregation;
  /** Absent: one row per data source over the whole range. */
  groupBy?: Interval;
  /** The numeric fields declared by the requested data sources (narrowed by `fields`). */
  numericFields: string[];
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

/**
 * Runs inside MongoDB, one row per data source per interval (UTC; weeks start on Monday);
 * intervals without points produce no row. first/last need per-field ordering and use
 * the unwinding grouping; the others group the declared numeric fields directly.
 */
export async function aggregatePoints(request: AggregateRequest, limits: QueryLimits): Promise<{ rows: AggregatedRow[]; total: number }> {
  const interval = request.groupBy
    ? { $dateTrunc: { date: '$timestamp', unit: request.groupBy, binSize: 1, startOfWeek: 'monday' } }
    : null;
  const grouping: Grouping =
    request.aggregation === 'first' || request.aggregation === 'last'
      ? groupByUnwoundFields(interval, request.aggregation, request.numericFields)
      : groupByDeclaredFields(interval, request.aggregation, request.numericFields);
  const direction = request.order === 'asc' ? 1 : -1;
  const pipeline: Document[] = [
    { $match: request.filter },
    ...grouping.stages,
    { $sort: { '_id.interval': direction, firstSeen: direction, '_id.dataSourceId': 1 } },
    { $facet: { rows: [{ $skip: request.offset }, { $limit: request.limit }], total: [{ $count: 'n' }] } },
  ];
  const [result] = await withinQueryTime(limits.maxTimeMS, (maxTimeMS) =>
    DataPointModel.collection.aggregate(pipeline, { allowDiskUse: true, maxTimeMS }).toArray(),
  );
  const rows = (result?.rows ?? []) as Document[];
  // One facet document is at most 16 MB; the limit may be lower.
  const bytes = rows.reduce((sum, row) => sum + approximateJsonBytes({ values: row }), 0);
  if (bytes > limits.maxResponseBytes) throw responseTooLarge(limits.maxResponseBytes);
  return {
    total: (result?.total?.[0]?.n as number | undefined) ?? 0,
    rows: rows.map((row) => ({
      timestamp: (row._id.interval as Date | null) ?? (row.firstSeen as Date),
      dataSourceId: row._id.dataSourceId as Types.ObjectId,
      values: grouping.valuesOf(row),
      count: row.count as number,
    })),
  };
}
