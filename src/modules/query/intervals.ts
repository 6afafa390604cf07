import type { Interval } from './schemas';

const fixedMs: Partial<Record<Interval, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const dayMs = 86_400_000;

/** Start of the UTC week (Monday 00:00) that contains `ms`. */
const weekStart = (ms: number): number => {
  const dayStart = Math.floor(ms / dayMs) * dayMs;
  const daysSinceMonday = (new Date(dayStart).getUTCDay() + 6) % 7;
  return dayStart - daysSinceMonday * dayMs;
};

/** How many calendar intervals of `unit` the half-open range [start, end) touches. */
export function intervalCount(unit: Interval, start: Date, end: Date): number {
  const first = start.getTime();
  const last = Math.max(first, end.getTime() - 1);
  const fixed = fixedMs[unit];
  if (fixed) return Math.floor(last / fixed) - Math.floor(first / fixed) + 1;
  if (unit === 'week') return (weekStart(last) - weekStart(first)) / (7 * dayMs) + 1;
  const [a, b] = [new Date(first), new Date(last)];
  return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth()) + 1;
}

export const maxPointsBeforeDownsampling = 500;

/** The smallest interval that gives at most 500 intervals over the range (month at the very least). */
export function downsamplingInterval(start: Date, end: Date): Interval {
  const units: Interval[] = ['minute', 'hour', 'day', 'week'];
  return units.find((unit) => intervalCount(unit, start, end) <= maxPointsBeforeDownsampling) ?? 'month';
}
