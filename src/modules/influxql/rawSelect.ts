import type { mongo } from 'mongoose';
import { withinQueryTime } from '../../db/queryTimeLimit';
import { DataPointModel, type DataPointRecord } from '../points/model';
import { isStoredTagKey, tagEquals } from './conditionFilter';
import { aggregatePoints } from './pointFilter';
import type { Cell, InfluxQLLimits, Series } from './ports';
import type { RawColumn } from './selectColumns';
import { compareSeries, seriesKeyExpression, tagsObject } from './seriesKeys';
import { StatementError } from './statementError';

type Document = mongo.Document;

export interface RawSelect {
  measurement: string;
  filter: Document;
  columns: RawColumn[];
  tagKeys: string[];
  order: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

const tooManyPoints = (max: number) => new StatementError(`max-select-point limit exceeded: (more than ${max} points)`);

function cellOf(point: DataPointRecord, column: RawColumn): Cell {
  const value = column.kind === 'field' ? point.values?.[column.key] : point.metadata?.[column.key];
  if (value === undefined || value === null) return null;
  return column.kind === 'tag' ? String(value) : value;
}

/** One series' points in time order, at most `limit` after `offset` (more than the cap fails the statement). */
async function readPoints(select: RawSelect, filter: Document, limits: InfluxQLLimits): Promise<Cell[][]> {
  const direction = select.order === 'asc' ? 1 : -1;
  // LIMIT 0 is no limit, as in InfluxDB.
  const cap = Math.min(select.limit || Number.POSITIVE_INFINITY, limits.maxPoints + 1);
  const projection: Document = { timestamp: 1 };
  for (const column of select.columns) {
    if (column.kind === 'field') projection[`values.${column.key}`] = 1;
    else if (isStoredTagKey(column.key)) projection[`metadata.${column.key}`] = 1;
  }
  const points = await withinQueryTime(limits.maxTimeMS, (maxTimeMS) =>
    DataPointModel.collection
      .find<DataPointRecord>(filter, { projection, maxTimeMS })
      .sort({ timestamp: direction, _id: direction })
      .skip(select.offset ?? 0)
      .limit(cap)
      .toArray(),
  );
  if (points.length > limits.maxPoints) throw tooManyPoints(limits.maxPoints);
  return points.map((point) => [point.timestamp.getTime(), ...select.columns.map((column) => cellOf(point, column))]);
}

/**
 * Raw points, one column per selected field or tag; a point without any selected field is
 * not a row (as in InfluxDB). With GROUP BY tags, each series is read on its own, so LIMIT
 * applies per series.
 */
export async function rawSelect(select: RawSelect, limits: InfluxQLLimits): Promise<Series[]> {
  const fields = select.columns.filter((column) => column.kind === 'field');
  if (fields.length === 0) return [];
  const filter = { $and: [select.filter, { $or: fields.map((field) => ({ [`values.${field.key}`]: { $exists: true } })) }] };
  const columns = ['time', ...select.columns.map((column) => column.name)];
  if (select.tagKeys.length === 0) {
    const values = await readPoints(select, filter, limits);
    return values.length === 0 ? [] : [{ name: select.measurement, columns, values }];
  }
  const keys = await aggregatePoints(
    [{ $match: filter }, { $group: { _id: seriesKeyExpression(select.tagKeys) } }, { $limit: limits.maxPoints + 1 }],
    limits.maxTimeMS,
  );
  const tagSets = keys.map((key) => key._id as string[]).sort(compareSeries);
  if (select.order === 'desc') tagSets.reverse();
  const series: Series[] = [];
  let total = 0;
  for (const tags of tagSets) {
    const seriesFilter = { $and: [filter, ...select.tagKeys.map((key, i) => tagEquals(key, tags[i] ?? ''))] };
    const values = await readPoints(select, seriesFilter, limits);
    total += values.length;
    if (total > limits.maxPoints) throw tooManyPoints(limits.maxPoints);
    if (values.length > 0) series.push({ name: select.measurement, tags: tagsObject(select.tagKeys, tags), columns, values });
  }
  return series;
}
