import type { mongo } from 'mongoose';
import type { Aggregation } from './schemas';

type Document = mongo.Document;

/**
 * Stages that turn matched points into one document per data source and interval, with
 * `_id: { dataSourceId, interval }`, `count` (points) and `firstSeen`, and how to read the
 * aggregated values out of such a document.
 */
export interface Grouping {
  stages: Document[];
  valuesOf: (row: Document) => Record<string, number>;
}

const numericOrNull = (path: string) => ({ $cond: [{ $isNumber: path }, path, null] });
const isNumeric = (path: string) => ({ $cond: [{ $isNumber: path }, 1, 0] });

const directAccumulator: Record<Exclude<Aggregation, 'first' | 'last'>, (path: string) => Document> = {
  avg: (path) => ({ $avg: numericOrNull(path) }),
  min: (path) => ({ $min: numericOrNull(path) }),
  max: (path) => ({ $max: numericOrNull(path) }),
  sum: (path) => ({ $sum: numericOrNull(path) }),
  count: (path) => ({ $sum: isNumeric(path) }),
};

/**
 * One $group over the declared numeric fields. Field names are validated identifiers, so
 * they are safe in paths; `n<i>` counts numeric values so fields without any are left out.
 */
export function groupByDeclaredFields(
  interval: Document | null,
  aggregation: Exclude<Aggregation, 'first' | 'last'>,
  fields: string[],
): Grouping {
  const accumulators: Document = {};
  fields.forEach((field, i) => {
    accumulators[`v${i}`] = directAccumulator[aggregation](`$values.${field}`);
    accumulators[`n${i}`] = { $sum: isNumeric(`$values.${field}`) };
  });
  return {
    stages: [
      {
        $group: {
          _id: { dataSourceId: '$dataSourceId', interval },
          count: { $sum: 1 },
          firstSeen: { $min: '$timestamp' },
          ...accumulators,
        },
      },
    ],
    valuesOf: (row) =>
      Object.fromEntries(fields.flatMap((field, i) => ((row[`n${i}`] as number) > 0 ? [[field, row[`v${i}`] as number]] : []))),
  };
}

/** A pseudo-field every point has once, so the per-field grouping also counts points. */
const pointCounter = '#points';

/**
 * For first/last: points sorted by time are unwound into their numeric fields, so the first
 * or last value of a field is the first or last point that has it as a number.
 */
export function groupByUnwoundFields(interval: Document | null, aggregation: 'first' | 'last', fields: string[]): Grouping {
  return {
    stages: [
      { $sort: { timestamp: 1, _id: 1 } },
      {
        $project: { dataSourceId: 1, timestamp: 1, field: { $concatArrays: [[{ k: pointCounter, v: 1 }], { $objectToArray: '$values' }] } },
      },
      { $unwind: '$field' },
      { $match: { 'field.v': { $type: 'number' }, 'field.k': { $in: [...fields, pointCounter] } } },
      {
        $group: {
          _id: { dataSourceId: '$dataSourceId', interval, field: '$field.k' },
          value: { [aggregation === 'first' ? '$first' : '$last']: '$field.v' },
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
    ],
    valuesOf: (row) =>
      Object.fromEntries(
        (row.values as { k: string; v: number }[]).filter((entry) => entry.k !== pointCounter).map((entry) => [entry.k, entry.v]),
      ),
  };
}
