import type { mongo } from 'mongoose';
import type { AggregateFunction } from './ast';
import { seriesKeyExpression } from './seriesKeys';

type Document = mongo.Document;

export interface AggregatePlan {
  filter: Document;
  /** The known fields aggregated; a group's `_id.f` is an index into it. */
  fieldNames: string[];
  functions: Set<AggregateFunction>;
  tagKeys: string[];
  /** GROUP BY time(interval, offset), in whole milliseconds. */
  interval?: { ms: number; offsetMs: number };
  maxGroups: number;
}

/** One document per series, interval and field: `_id: { s: [tag values], i: interval start ms | null, f }`. */
export interface AggregateGroup {
  _id: { s: string[]; i: number | null; f: number };
  count: number;
  mean?: number;
  sum?: number;
  min?: number;
  max?: number;
  first?: unknown;
  last?: unknown;
  /** The time of the value a lone selector picked (first, last, min or max without GROUP BY time). */
  selectorTs?: Date;
  firstTs?: Date;
  lastTs?: Date;
}

const numeric = { $cond: [{ $isNumber: '$field.v' }, '$field.v', null] };

/**
 * Interval starts are aligned to the epoch (plus the offset) like InfluxDB's: floor, not
 * MongoDB's truncating $mod, so times before 1970 land in the right interval too.
 */
const intervalExpression = (interval: AggregatePlan['interval']): Document =>
  interval
    ? {
        $add: [
          {
            $multiply: [{ $floor: { $divide: [{ $subtract: [{ $toLong: '$timestamp' }, interval.offsetMs] }, interval.ms] } }, interval.ms],
          },
          interval.offsetMs,
        ],
      }
    : { $literal: null };

/**
 * Points are unwound into their aggregated fields, so one $group computes every function of
 * every field per series and interval, inside MongoDB; first/last read the time order.
 */
export function aggregatePipeline(plan: AggregatePlan): Document[] {
  const accumulators: Document = { count: { $sum: 1 } };
  if (plan.functions.has('mean')) accumulators.mean = { $avg: numeric };
  if (plan.functions.has('sum')) accumulators.sum = { $sum: numeric };
  if (plan.functions.has('min')) accumulators.min = { $min: numeric };
  if (plan.functions.has('max')) accumulators.max = { $max: numeric };
  const ordered = plan.functions.has('first') || plan.functions.has('last');
  if (plan.functions.has('first')) Object.assign(accumulators, { first: { $first: '$field.v' }, firstTs: { $first: '$timestamp' } });
  if (plan.functions.has('last')) Object.assign(accumulators, { last: { $last: '$field.v' }, lastTs: { $last: '$timestamp' } });
  const fields = plan.fieldNames.map((name, i) => ({ f: { $literal: i }, v: `$values.${name}` }));
  return [
    { $match: plan.filter },
    ...(ordered ? [{ $sort: { timestamp: 1, _id: 1 } }] : []),
    {
      $project: {
        timestamp: 1,
        s: seriesKeyExpression(plan.tagKeys),
        i: intervalExpression(plan.interval),
        field: { $filter: { input: fields, cond: { $ne: [{ $type: '$$this.v' }, 'missing'] } } },
      },
    },
    { $unwind: '$field' },
    { $group: { _id: { s: '$s', i: '$i', f: '$field.f' }, ...accumulators } },
    { $limit: plan.maxGroups + 1 },
  ];
}

/**
 * A lone min or max without GROUP BY time answers with the time of the point it picked
 * (the earliest of equal ones), so it sorts by value instead of grouping the values.
 */
export function extremePipeline(plan: AggregatePlan, fn: 'min' | 'max'): Document[] {
  const field = plan.fieldNames[0] as string;
  return [
    { $match: { $and: [plan.filter, { [`values.${field}`]: { $exists: true } }] } },
    { $project: { timestamp: 1, s: seriesKeyExpression(plan.tagKeys), v: `$values.${field}` } },
    { $match: { v: { $type: 'number' } } },
    { $sort: { v: fn === 'max' ? -1 : 1, timestamp: 1, _id: 1 } },
    {
      $group: {
        _id: { s: '$s', i: { $literal: null }, f: { $literal: 0 } },
        [fn]: { $first: '$v' },
        selectorTs: { $first: '$timestamp' },
        count: { $sum: 1 },
      },
    },
    { $limit: plan.maxGroups + 1 },
  ];
}
