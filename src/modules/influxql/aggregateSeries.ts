import type { Fill } from './ast';
import type { AggregateGroup } from './aggregatePipeline';
import { fillRows, intervalStarts, type MaybeCell, missing } from './fillIntervals';
import type { Cell, Series } from './ports';
import type { AggregateColumn } from './selectColumns';
import { compareSeries, tagsObject } from './seriesKeys';
import { StatementError } from './statementError';

/** Where rows' times come from: interval starts, or one row per series at a fixed time (or the picked point's). */
export type RowTimes =
  | { kind: 'intervals'; firstMs: number | null; lastMs: number; stepMs: number }
  | { kind: 'single'; timeMs: number; fromSelector: boolean };

export interface SeriesShape {
  measurement: string;
  tagKeys: string[];
  columns: AggregateColumn[];
  times: RowTimes;
  fill: Fill;
  order: 'asc' | 'desc';
  limit?: number;
  offset?: number;
  maxPoints: number;
}

function cellOf(group: AggregateGroup | undefined, column: AggregateColumn): MaybeCell {
  if (!group) return missing;
  const value = group[column.fn];
  return value === undefined || value === null ? missing : (value as Cell);
}

export const tooManyBuckets = (count: number, max: number) => new StatementError(`max-select-buckets limit exceeded: (${count}/${max})`);

/** Turns the grouped documents into InfluxDB series (times still in ms): one per tag combination, in series order. */
export function aggregateSeries(groups: AggregateGroup[], shape: SeriesShape): Series[] {
  const bySeries = new Map<string, { tags: string[]; byInterval: Map<number | null, Map<number, AggregateGroup>> }>();
  for (const group of groups) {
    const key = JSON.stringify(group._id.s);
    const series = bySeries.get(key) ?? { tags: group._id.s, byInterval: new Map() };
    bySeries.set(key, series);
    const fields = series.byInterval.get(group._id.i) ?? new Map<number, AggregateGroup>();
    series.byInterval.set(group._id.i, fields);
    fields.set(group._id.f, group);
  }
  const ordered = [...bySeries.values()].sort((a, b) => compareSeries(a.tags, b.tags));
  if (shape.order === 'desc') ordered.reverse();

  let allIntervals: number[] = [];
  const { times } = shape;
  if (times.kind === 'intervals' && shape.fill.kind !== 'none' && groups.length > 0) {
    const firstMs = times.firstMs ?? groups.reduce((min, group) => Math.min(min, group._id.i as number), Number.POSITIVE_INFINITY);
    const count = times.lastMs < firstMs ? 0 : Math.floor((times.lastMs - firstMs) / times.stepMs) + 1;
    if (count * ordered.length > shape.maxPoints) throw tooManyBuckets(count * ordered.length, shape.maxPoints);
    allIntervals = intervalStarts(firstMs, times.lastMs, times.stepMs);
  }

  const functions = shape.columns.map((column) => column.fn);
  const cellsAt = (fields: Map<number, AggregateGroup> | undefined) =>
    shape.columns.map((column) => (column.fieldIndex === null ? missing : cellOf(fields?.get(column.fieldIndex), column)));

  return ordered.flatMap((series): Series[] => {
    let rows: { time: number; cells: MaybeCell[] }[];
    if (times.kind === 'single') {
      const fields = series.byInterval.get(null);
      const picked = fields ? [...fields.values()][0]?.selectorTs : undefined;
      rows = [{ time: times.fromSelector && picked ? picked.getTime() : times.timeMs, cells: cellsAt(fields) }];
    } else {
      const starts = shape.fill.kind === 'none' ? [...series.byInterval.keys()].map(Number).sort((a, b) => a - b) : allIntervals;
      rows = starts.map((start) => ({ time: start, cells: cellsAt(series.byInterval.get(start)) }));
    }
    if (shape.order === 'desc') rows.reverse();
    const start = shape.offset ?? 0;
    const values: Cell[][] = fillRows(rows, functions, shape.fill).slice(start, shape.limit ? start + shape.limit : undefined);
    if (values.length === 0) return [];
    return [
      {
        name: shape.measurement,
        ...(shape.tagKeys.length > 0 ? { tags: tagsObject(shape.tagKeys, series.tags) } : {}),
        columns: ['time', ...shape.columns.map((column) => column.name)],
        values,
      },
    ];
  });
}
