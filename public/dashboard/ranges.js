// Time ranges and the aggregation interval that suits each (api.md §6).

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

export const presetSpans = { '1h': hourMs, '24h': dayMs, '7d': 7 * dayMs, '30d': 30 * dayMs };

// Month and week are approximate: they only choose an interval, the server does the grouping.
const intervalMs = { minute: 60_000, hour: hourMs, day: dayMs, week: 7 * dayMs, month: 30 * dayMs };

/** At most this many intervals per chart: the server's auto-downsampling aims at the same. */
const maxIntervals = 500;

/** The smallest groupBy with at most 500 intervals: minute for 1 h, hour for 24 h and 7 d, day for 30 d. */
export function groupByFor(startMs, endMs) {
  const units = Object.keys(intervalMs);
  return units.find((unit) => Math.ceil((endMs - startMs) / intervalMs[unit]) + 1 <= maxIntervals) ?? 'month';
}

/**
 * The time window a selection shows. Presets end now and follow live points; a custom range is
 * fixed. `custom` holds epoch milliseconds.
 */
export function windowOf(range, custom, now = Date.now()) {
  const span = presetSpans[range];
  if (span) return { start: now - span, end: now, span, live: true };
  return { start: custom.start, end: custom.end, span: custom.end - custom.start, live: false };
}

const pad = (n) => String(n).padStart(2, '0');

/** Epoch milliseconds as a datetime-local input's value, in the browser's time zone. */
export function toLocalInput(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value (local time, no zone) as epoch milliseconds; NaN when empty or invalid. */
export const fromLocalInput = (value) => (value ? new Date(value).getTime() : Number.NaN);
