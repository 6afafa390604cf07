import type { mongo } from 'mongoose';
import type { Condition, ShowStatement, TagKeySelector } from './ast';
import { conditionFilter } from './conditionFilter';
import { aggregatePoints, pointFilter } from './pointFilter';
import type { InfluxQLDatabase, InfluxQLMeasurement, Series } from './ports';
import { toRegExp } from './regexes';
import { measurementsFrom, page } from './measurementSelection';
import type { StatementContext } from './statementContext';
import { splitTimeRange } from './timeRange';

type Document = mongo.Document;
type ShowTagKeys = Extract<ShowStatement, { kind: 'showTagKeys' }>;
type ShowTagValues = Extract<ShowStatement, { kind: 'showTagValues' }>;

function keyMatch(keys: TagKeySelector | undefined): Document {
  if (!keys) return {};
  if (keys.kind === 'equals') return { 'tag.k': { $in: keys.keys } };
  if (keys.kind === 'notEquals') return { 'tag.k': { $ne: keys.key } };
  const regex = toRegExp(keys.pattern);
  return { 'tag.k': keys.negated ? { $not: regex } : regex };
}

/** The points a SHOW statement looks at: the measurements' points within retention that its WHERE clause keeps (tags only). */
function tagStatementFilter(
  context: StatementContext,
  database: InfluxQLDatabase,
  measurements: InfluxQLMeasurement[],
  where: Condition | undefined,
): Document {
  const { range, rest } = splitTimeRange(where, context.nowNs);
  return pointFilter({
    bucketId: database._id,
    measurementIds: measurements.map((measurement) => measurement._id),
    range,
    oldestVisible: context.oldestVisible(database),
    condition: conditionFilter(rest, {}),
  });
}

/**
 * The distinct (measurement, tag key[, value]) of the points, computed in MongoDB by
 * unwinding each point's metadata; the WHERE clause narrows the points first.
 */
async function distinctTags(
  context: StatementContext,
  database: InfluxQLDatabase,
  measurements: InfluxQLMeasurement[],
  where: Condition | undefined,
  options: { keys?: TagKeySelector; withValues: boolean },
): Promise<Document[]> {
  if (measurements.length === 0) return [];
  const filter = tagStatementFilter(context, database, measurements, where);
  const id = options.withValues ? { m: '$dataSourceId', k: '$tag.k', v: { $toString: '$tag.v' } } : { m: '$dataSourceId', k: '$tag.k' };
  return aggregatePoints(
    [
      { $match: filter },
      { $project: { dataSourceId: 1, tag: { $objectToArray: '$metadata' } } },
      { $unwind: '$tag' },
      { $match: keyMatch(options.keys) },
      { $group: { _id: id } },
      { $limit: context.ports.limits.maxPoints + 1 },
    ],
    context.ports.limits.maxTimeMS,
  );
}

/** The measurements with points the WHERE clause keeps (SHOW MEASUREMENTS WHERE …), found in MongoDB. */
export async function measurementsWithPoints(
  context: StatementContext,
  database: InfluxQLDatabase,
  measurements: InfluxQLMeasurement[],
  where: Condition,
): Promise<InfluxQLMeasurement[]> {
  if (measurements.length === 0) return [];
  const filter = tagStatementFilter(context, database, measurements, where);
  const found = await aggregatePoints([{ $match: filter }, { $group: { _id: '$dataSourceId' } }], context.ports.limits.maxTimeMS);
  const ids = new Set(found.map((group) => String(group._id)));
  return measurements.filter((measurement) => ids.has(measurement._id.toHexString()));
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function seriesPerMeasurement(
  measurements: InfluxQLMeasurement[],
  rows: string[][],
  columns: string[],
  statement: { limit?: number; offset?: number },
): Series[] {
  return measurements.flatMap((measurement) => {
    const id = measurement._id.toHexString();
    const values = rows
      .filter((row) => row[0] === id)
      .map((row) => row.slice(1))
      .sort((a, b) => compareText(a.join('\u0000'), b.join('\u0000')));
    const paged = page(values, statement);
    return paged.length === 0 ? [] : [{ name: measurement.name, columns, values: paged }];
  });
}

export async function showTagKeys(statement: ShowTagKeys, context: StatementContext): Promise<Series[]> {
  const { database, measurements } = await measurementsFrom(context, statement);
  const groups = await distinctTags(context, database, measurements, statement.where, { withValues: false });
  const rows = groups.map((group) => [String(group._id.m), String(group._id.k)]);
  return seriesPerMeasurement(measurements, rows, ['tagKey'], statement);
}

/** Empty values are left out, as InfluxDB does (a missing tag reads as ''). */
export async function showTagValues(statement: ShowTagValues, context: StatementContext): Promise<Series[]> {
  const { database, measurements } = await measurementsFrom(context, statement);
  const groups = await distinctTags(context, database, measurements, statement.where, { keys: statement.keys, withValues: true });
  const rows = groups
    .filter((group) => group._id.v !== '' && group._id.v !== null)
    .map((group) => [String(group._id.m), String(group._id.k), String(group._id.v)]);
  return seriesPerMeasurement(measurements, rows, ['key', 'value'], statement);
}
