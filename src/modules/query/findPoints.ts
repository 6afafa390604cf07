import type { mongo } from 'mongoose';
import { withinQueryTime } from '../../db/queryTimeLimit';
import { DataPointModel, type DataPointRecord } from '../points/model';
import { approximateJsonBytes, responseTooLarge, type QueryLimits } from './queryLimits';

type Document = mongo.Document;

export interface FindRequest {
  filter: Document;
  fields?: string[];
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

/**
 * Streams the page rather than loading it whole, so a response over the byte limit is
 * refused after reading about that many bytes, not after holding all of them.
 */
export async function findPoints(request: FindRequest, limits: QueryLimits): Promise<DataPointRecord[]> {
  const direction = request.order === 'asc' ? 1 : -1;
  const projection = request.fields
    ? { dataSourceId: 1, timestamp: 1, metadata: 1, ...Object.fromEntries(request.fields.map((field) => [`values.${field}`, 1])) }
    : { dataSourceId: 1, timestamp: 1, metadata: 1, values: 1 };
  const cursor = DataPointModel.collection
    .find<DataPointRecord>(request.filter, { projection, maxTimeMS: limits.maxTimeMS, batchSize: 1000 })
    .sort({ timestamp: direction, _id: direction })
    .skip(request.offset)
    .limit(request.limit);
  const read = async () => {
    const points: DataPointRecord[] = [];
    let bytes = 0;
    for await (const point of cursor) {
      bytes += approximateJsonBytes(point);
      if (bytes > limits.maxResponseBytes) throw responseTooLarge(limits.maxResponseBytes);
      points.push(point);
    }
    return points;
  };
  try {
    return await withinQueryTime(limits.maxTimeMS, read);
  } finally {
    await cursor.close().catch(() => undefined);
  }
}

/** Count and time span of the matching points, for pagination and auto-downsampling. */
export async function summarizePoints(filter: Document, maxTimeMS: number): Promise<{ total: number; first?: Date; last?: Date }> {
  const [summary] = await withinQueryTime(maxTimeMS, (ms) =>
    DataPointModel.collection
      .aggregate(
        [{ $match: filter }, { $group: { _id: null, total: { $sum: 1 }, first: { $min: '$timestamp' }, last: { $max: '$timestamp' } } }],
        { maxTimeMS: ms },
      )
      .toArray(),
  );
  return summary ? { total: summary.total as number, first: summary.first as Date, last: summary.last as Date } : { total: 0 };
}
