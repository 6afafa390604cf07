import type { Seed } from './fixtures';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * fraction) - 1)] ?? 0;
}

export interface HeavyQueryRange {
  sourceId: string;
  startTime: Date;
  endTime: Date;
}

/**
 * Counts by minute over a whole range: on an embedded database without indexes every such
 * query scans the collection, and the result has one row per minute.
 */
export const countByMinuteBody = (seed: Seed, range: HeavyQueryRange) =>
  JSON.stringify({
    bucketId: seed.bucketId,
    dataSourceId: range.sourceId,
    aggregation: 'count',
    groupBy: 'minute',
    filters: { startTime: range.startTime.toISOString(), endTime: range.endTime.toISOString(), limit: 10_000 },
  });

/**
 * E: /health latency while heavy queries run back to back, one at a time. /health is
 * called every 10 ms (sooner if a call was slow), so a stalled server shows up as slow
 * calls rather than as fewer calls.
 */
export async function healthDuringHeavyQueries(baseUrl: string, seed: Seed, range: HeavyQueryRange, seconds: number) {
  const body = countByMinuteBody(seed, range);
  let running = true;
  const queryTimings: number[] = [];
  const queries = (async () => {
    while (running) {
      const started = performance.now();
      const res = await fetch(`${baseUrl}/api/data/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': seed.readKey },
        body,
      });
      const result = (await res.json()) as { data?: unknown[] };
      if (res.status !== 200 || !result.data?.length) throw new Error(`heavy query failed: ${res.status}`);
      queryTimings.push(performance.now() - started);
    }
  })();
  // Let the first query reach the database before sampling.
  await sleep(200);
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const started = performance.now();
    const res = await fetch(`${baseUrl}/health`);
    await res.text();
    const took = performance.now() - started;
    if (res.status !== 200) throw new Error(`/health answered ${res.status}`);
    latencies.push(took);
    await sleep(Math.max(0, 10 - took));
  }
  running = false;
  await queries;
  latencies.sort((a, b) => a - b);
  queryTimings.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies[latencies.length - 1] ?? 0,
    calls: latencies.length,
    queries: queryTimings.length,
    queryP50: percentile(queryTimings, 0.5),
  };
}
