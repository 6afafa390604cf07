/** What a /query request answered: its status and its body (parsed JSON, else the text). */
export interface QueryAnswer {
  status: number;
  body: any;
}

/** The Authorization header Grafana (and the influx CLI) sends: Basic, the key as password. */
export const basicAuth = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

/**
 * Two numbers agree when equal, or, if either is not an integer, within a relative 1e-9:
 * sums and means may be added up in another order. Integers (times, counts) must be equal.
 */
export function sameNumber(a: number, b: number): boolean {
  if (a === b) return true;
  if (Number.isInteger(a) && Number.isInteger(b)) return false;
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Where `ours` differs from `theirs` (InfluxDB 1.x JSON results, or any JSON value), as
 * "path: ours vs theirs" lines: keys present on one side only, array lengths, values.
 */
export function resultDifferences(ours: unknown, theirs: unknown, path = 'results'): string[] {
  if (typeof ours === 'number' && typeof theirs === 'number') return sameNumber(ours, theirs) ? [] : [`${path}: ${ours} vs ${theirs}`];
  if (Array.isArray(ours) && Array.isArray(theirs)) {
    const lengths = ours.length === theirs.length ? [] : [`${path}: ${ours.length} items vs ${theirs.length}`];
    const items = ours
      .slice(0, Math.min(ours.length, theirs.length))
      .flatMap((item, i) => resultDifferences(item, theirs[i], `${path}[${i}]`));
    return [...lengths, ...items];
  }
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (isObject(ours) && isObject(theirs)) {
    const keys = [...new Set([...Object.keys(ours), ...Object.keys(theirs)])].sort();
    return keys.flatMap((key) => {
      if (!(key in ours)) return [`${path}.${key}: missing vs ${JSON.stringify(theirs[key])}`];
      if (!(key in theirs)) return [`${path}.${key}: ${JSON.stringify(ours[key])} vs missing`];
      return resultDifferences(ours[key], theirs[key], `${path}.${key}`);
    });
  }
  return ours === theirs ? [] : [`${path}: ${JSON.stringify(ours)} vs ${JSON.stringify(theirs)}`];
}

/**
 * Waits, if need be, until the clock is at least 1 s past a multiple of `periodMs` and 2 s
 * before the next, so that two requests sent now read now() in the same period: GROUP BY
 * time() of any divisor of the period (and multiples of it) then has the same intervals on both servers.
 */
export async function awayFromBoundary(periodMs: number): Promise<void> {
  const into = Date.now() % periodMs;
  if (into < 1_000) await new Promise((resolve) => setTimeout(resolve, 1_000 - into));
  else if (into > periodMs - 2_000) await new Promise((resolve) => setTimeout(resolve, periodMs + 1_000 - into));
}
