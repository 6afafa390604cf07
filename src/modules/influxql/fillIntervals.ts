import type { AggregateFunction, Fill } from './ast';
import type { Cell } from './ports';

/** A column's value in an interval without one. */
export const missing = Symbol('missing');
export type MaybeCell = Cell | typeof missing;

/**
 * Rows in output order, each a time and one cell per column, with empty cells filled as
 * InfluxDB fills each column: null (count gives 0), a number, the column's previous value
 * in output order, or with fill(none) rows where every column is empty are dropped.
 */
export function fillRows(rows: { time: number; cells: MaybeCell[] }[], functions: AggregateFunction[], fill: Fill): Cell[][] {
  const previous: Cell[] = functions.map(() => null);
  const filled: Cell[][] = [];
  for (const row of rows) {
    if (fill.kind === 'none' && row.cells.every((cell) => cell === missing)) continue;
    const cells = row.cells.map((cell, column): Cell => {
      if (cell !== missing) {
        previous[column] = cell;
        return cell;
      }
      if (fill.kind === 'null') return functions[column] === 'count' ? 0 : null;
      if (fill.kind === 'value') return fill.value;
      if (fill.kind === 'previous') return previous[column] ?? null;
      return null;
    });
    filled.push([row.time, ...cells]);
  }
  return filled;
}

/** Interval starts from `first` to `last` (both included), `step` ms apart. */
export function intervalStarts(first: number, last: number, step: number): number[] {
  const starts: number[] = [];
  for (let start = first; start <= last; start += step) starts.push(start);
  return starts;
}
