import type { SelectField, SelectStatement } from './ast';
import { aggregatePipeline, extremePipeline, type AggregateGroup, type AggregatePlan } from './aggregatePipeline';
import { aggregateSeries, tooManyBuckets, type RowTimes } from './aggregateSeries';
import { conditionFilter } from './conditionFilter';
import { floorDiv, nanosecondsPerMillisecond } from './durations';
import { timeFormatter } from './formatTime';
import { aggregatePoints, pointFilter } from './pointFilter';
import type { FieldTypes, Series } from './ports';
import { rawSelect } from './rawSelect';
import { aggregateColumns, rawColumns } from './selectColumns';
import { tagKeysOf } from './seriesKeys';
import { measurementsFrom } from './measurementSelection';
import type { StatementContext } from './statementContext';
import { StatementError } from './statementError';
import { splitTimeRange, type TimeRange } from './timeRange';

type Interval = { intervalNs: bigint; offsetNs: bigint };

function wholeMilliseconds(interval: Interval): { ms: number; offsetMs: number } {
  const offsetNs = ((interval.offsetNs % interval.intervalNs) + interval.intervalNs) % interval.intervalNs;
  if (interval.intervalNs % nanosecondsPerMillisecond !== 0n || offsetNs % nanosecondsPerMillisecond !== 0n) {
    throw new StatementError('GROUP BY time() takes whole milliseconds here: points are stored with millisecond precision');
  }
  return { ms: Number(interval.intervalNs / nanosecondsPerMillisecond), offsetMs: Number(offsetNs / nanosecondsPerMillisecond) };
}

/** The start (ms) of the interval holding `ns`, aligned to the epoch plus the offset as InfluxDB aligns it. */
const intervalStart = (ns: bigint, interval: Interval): number =>
  Number((floorDiv(ns - interval.offsetNs, interval.intervalNs) * interval.intervalNs + interval.offsetNs) / nanosecondsPerMillisecond);

/** How the rows' times are chosen, checking the interval count against the limit before any point is read. */
function rowTimes(statement: SelectStatement, range: TimeRange, plan: AggregatePlan, maxPoints: number, loneSelector: boolean): RowTimes {
  const interval = statement.groupBy.time;
  if (!interval || !plan.interval) {
    const timeMs = range.minNs === null ? 0 : Number(floorDiv(range.minNs, nanosecondsPerMillisecond));
    return { kind: 'single', timeMs, fromSelector: loneSelector };
  }
  const firstMs = range.minNs === null ? null : intervalStart(range.minNs, interval);
  const lastMs = intervalStart(range.maxNs as bigint, interval);
  const count = firstMs === null ? 0 : Math.floor((lastMs - firstMs) / plan.interval.ms) + 1;
  if (statement.fill.kind !== 'none' && count > maxPoints) throw tooManyBuckets(count, maxPoints);
  return { kind: 'intervals', firstMs, lastMs, stepMs: plan.interval.ms };
}

/** A SELECT: raw points, or aggregates computed in MongoDB and filled here. Times are formatted last. */
export async function runSelect(statement: SelectStatement, context: StatementContext): Promise<Series[]> {
  const { database, measurements } = await measurementsFrom(context, statement);
  const measurement = measurements[0];
  if (!measurement) return [];
  const types: FieldTypes = Object.fromEntries(Object.entries(measurement.schema).map(([name, definition]) => [name, definition.type]));
  const where = splitTimeRange(statement.where, context.nowNs);
  // GROUP BY time() without an upper bound ends now, as in InfluxDB.
  const range = statement.groupBy.time && where.range.maxNs === null ? { ...where.range, maxNs: context.nowNs } : where.range;
  const { limits } = context.ports;
  const filter = pointFilter({
    bucketId: database._id,
    measurementIds: [measurement._id],
    range,
    oldestVisible: context.oldestVisible(database),
    condition: conditionFilter(where.rest, types),
  });
  // `*` means the measurement's tag keys, whichever points the WHERE clause keeps (as in InfluxDB).
  const measurementFilter = pointFilter({
    bucketId: database._id,
    measurementIds: [measurement._id],
    range: { minNs: null, maxNs: null },
    oldestVisible: context.oldestVisible(database),
    condition: {},
  });
  let allTagKeys: Promise<string[]> | undefined;
  const measurementTagKeys = () => (allTagKeys ??= tagKeysOf(measurementFilter, limits));
  const grouped = statement.groupBy.tags === '*' ? await measurementTagKeys() : [...new Set(statement.groupBy.tags)].sort();
  const tagKeys = grouped.filter((key) => !Object.hasOwn(types, key));
  const fields = statement.fields;
  let series: Series[];
  if (fields !== '*' && fields.every((field) => field.kind === 'aggregate')) {
    const aggregates = fields as Extract<SelectField, { kind: 'aggregate' }>[];
    const { columns, fieldNames } = aggregateColumns(aggregates, types);
    if (fieldNames.length === 0) return [];
    const interval = statement.groupBy.time ? wholeMilliseconds(statement.groupBy.time) : undefined;
    const plan: AggregatePlan = {
      filter,
      fieldNames,
      functions: new Set(columns.map((column) => column.fn)),
      tagKeys,
      ...(interval ? { interval } : {}),
      maxGroups: limits.maxPoints * fieldNames.length,
    };
    const lone = columns.length === 1 && !interval ? columns[0]?.fn : undefined;
    const loneSelector = lone === 'first' || lone === 'last' || lone === 'min' || lone === 'max';
    const times = rowTimes(statement, range, plan, limits.maxPoints, loneSelector);
    const pipeline = lone === 'min' || lone === 'max' ? extremePipeline(plan, lone) : aggregatePipeline(plan);
    const groups = (await aggregatePoints(pipeline, limits.maxTimeMS)) as AggregateGroup[];
    if (groups.length > plan.maxGroups) throw tooManyBuckets(groups.length, plan.maxGroups);
    if (lone === 'first' || lone === 'last') for (const group of groups) group.selectorTs = lone === 'first' ? group.firstTs : group.lastTs;
    series = aggregateSeries(groups, { measurement: measurement.name, tagKeys, columns, times, ...statement, maxPoints: limits.maxPoints });
  } else {
    const tagKeysForColumns = fields === '*' ? await measurementTagKeys() : [];
    const columns = rawColumns(fields as Extract<SelectField, { kind: 'field' }>[] | '*', types, tagKeysForColumns, tagKeys);
    series = await rawSelect({ measurement: measurement.name, filter, columns, tagKeys, ...statement }, limits);
  }
  const format = timeFormatter(context.input.epoch);
  return series.map((one) => ({ ...one, values: one.values.map(([time, ...cells]) => [format(time as number), ...cells]) }));
}
