// Query answers and streamed points as uPlot's column data: [xs in seconds, ...one column per field].

/** The fields a chart can draw: numeric ones, with their unit (schema entries are { type, unit? }). */
export function numericFields(source) {
  return Object.entries(source.schema ?? {})
    .map(([name, definition]) => (typeof definition === 'string' ? { name, type: definition } : { name, ...definition }))
    .filter((field) => field.type === 'number')
    .map(({ name, unit }) => ({ name, unit: unit ?? '' }));
}

const numberIn = (values, field) => {
  const value = values?.[field.name];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
};

/** Columns for a query answer; raw answers come newest first, so everything is sorted by time. */
export function columnsFrom(items, fields) {
  const sorted = [...items].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
  return {
    ids: sorted.map((item) => item._id ?? null),
    xs: sorted.map((item) => Date.parse(item.timestamp) / 1000),
    ys: fields.map((field) => sorted.map((item) => numberIn(item.values, field))),
  };
}

export const emptyColumns = (fields) => ({ ids: [], xs: [], ys: fields.map(() => []) });

/** Puts a streamed point in time order; false when its id is already there (a replay or a query overlap). */
export function insertPoint(columns, point, fields) {
  if (point._id && columns.ids.includes(point._id)) return false;
  const x = Date.parse(point.timestamp) / 1000;
  let at = columns.xs.length;
  while (at > 0 && columns.xs[at - 1] > x) at -= 1;
  columns.ids.splice(at, 0, point._id ?? null);
  columns.xs.splice(at, 0, x);
  fields.forEach((field, i) => {
    columns.ys[i].splice(at, 0, numberIn(point.values, field));
  });
  return true;
}

/** Drops points before `startSeconds`, as a window that follows now moves on. */
export function dropBefore(columns, startSeconds) {
  let n = 0;
  while (n < columns.xs.length && columns.xs[n] < startSeconds) n += 1;
  if (n === 0) return;
  columns.ids.splice(0, n);
  columns.xs.splice(0, n);
  for (const column of columns.ys) column.splice(0, n);
}

export const toPlotData = (columns) => [columns.xs, ...columns.ys];
