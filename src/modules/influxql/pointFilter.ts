import type { mongo, Types } from 'mongoose';
import { withinQueryTime } from '../../db/queryTimeLimit';
import { DataPointModel } from '../points/model';
import { ceilDiv, floorDiv, nanosecondsPerMillisecond } from './durations';
import type { TimeRange } from './timeRange';

type Document = mongo.Document;

/** The range of a JavaScript Date, in ms; bounds beyond it bound nothing. */
const maxDateMs = 8_640_000_000_000_000n;

/** Inclusive bounds in ms that select exactly the stored (ms-precision) points inside a nanosecond range. */
export function millisecondBounds(range: TimeRange): { fromMs: number | null; toMs: number | null } {
  const from = range.minNs === null ? null : ceilDiv(range.minNs, nanosecondsPerMillisecond);
  const to = range.maxNs === null ? null : floorDiv(range.maxNs, nanosecondsPerMillisecond);
  return {
    fromMs: from === null || from < -maxDateMs ? null : Number(from > maxDateMs ? maxDateMs : from),
    toMs: to === null || to > maxDateMs ? null : Number(to < -maxDateMs ? -maxDateMs : to),
  };
}

export interface PointSelection {
  bucketId: Types.ObjectId;
  measurementIds: Types.ObjectId[];
  range: TimeRange;
  oldestVisible: Date;
  /** Tag and field conditions (conditionFilter). */
  condition: Document;
}

export function pointFilter(selection: PointSelection): Document {
  const { fromMs, toMs } = millisecondBounds(selection.range);
  const from = fromMs !== null && fromMs > selection.oldestVisible.getTime() ? new Date(fromMs) : selection.oldestVisible;
  const filter: Document = {
    bucketId: selection.bucketId,
    dataSourceId: { $in: selection.measurementIds },
    timestamp: { $gte: from, ...(toMs === null ? {} : { $lte: new Date(toMs) }) },
  };
  return Object.keys(selection.condition).length > 0 ? { $and: [filter, selection.condition] } : filter;
}

/** Runs a pipeline on the points inside MongoDB, bounded by the query time limit. */
export function aggregatePoints(pipeline: Document[], maxTimeMS: number): Promise<Document[]> {
  return withinQueryTime(maxTimeMS, (ms) => DataPointModel.collection.aggregate(pipeline, { allowDiskUse: true, maxTimeMS: ms }).toArray());
}
