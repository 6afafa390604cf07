import type { mongo } from 'mongoose';
import { DataPointModel, type DataPointRecord } from './model';

type Document = mongo.Document;

export interface FindRequest {
  filter: Document;
  fields?: string[];
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export async function findPoints(request: FindRequest): Promise<DataPointRecord[]> {
  const direction = request.order === 'asc' ? 1 : -1;
  const projection = request.fields
    ? { dataSourceId: 1, timestamp: 1, metadata: 1, ...Object.fromEntries(request.fields.map((field) => [`values.${field}`, 1])) }
    : { dataSourceId: 1, timestamp: 1, metadata: 1, values: 1 };
  return DataPointModel.collection
    .find<DataPointRecord>(request.filter, { projection })
    .sort({ timestamp: direction, _id: direction })
    .skip(request.offset)
    .limit(request.limit)
    .toArray();
}

/** Count and time span of the matching points, for pagination and auto-downsampling. */
export async function summarizePoints(filter: Document): Promise<{ total: number; first?: Date; last?: Date }> {
  const [summary] = await DataPointModel.collection
    .aggregate([{ $match: filter }, { $group: { _id: null, total: { $sum: 1 }, first: { $min: '$timestamp' }, last: { $max: '$timestamp' } } }])
    .toArray();
  return summary ? { total: summary.total as number, first: summary.first as Date, last: summary.last as Date } : { total: 0 };
}
