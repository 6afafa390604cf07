import type { Seed } from './fixtures';
import { singleIngestLoad } from './load';

/**
 * J: single-point ingest on two servers over the same database, one as configured by default
 * and one with METRICS_ENABLED=false and USAGE_METERING=false. They take turns in short
 * rounds after a warm-up each, so drift on a busy machine hits both alike; the ratio is the
 * median of the rounds' on/off ratios, which one disturbed round cannot swing.
 */
export async function instrumentationCost(onUrl: string, offUrl: string, seed: Seed, seconds: number) {
  const load = (baseUrl: string, roundSeconds: number) => singleIngestLoad(baseUrl, seed, roundSeconds);
  await load(onUrl, 3);
  await load(offUrl, 3);
  const rounds = 6;
  const roundSeconds = Math.max(2, Math.round(seconds / 4));
  const on: number[] = [];
  const off: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    // Alternate which goes first, so neither always follows the other's database backlog.
    const order = round % 2 === 0 ? [onUrl, offUrl] : [offUrl, onUrl];
    for (const url of order) {
      const result = await load(url, roundSeconds);
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`single ingest failed on ${url}: ${JSON.stringify(result)}`);
      (url === onUrl ? on : off).push(result.requestsPerSecond);
    }
  }
  const ratios = on.map((value, i) => value / off[i]!).sort((a, b) => a - b);
  const median = (ratios[rounds / 2 - 1]! + ratios[rounds / 2]!) / 2;
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  return { on: mean(on), off: mean(off), ratio: median, spread: [ratios[0]!, ratios[rounds - 1]!] as const };
}

async function timed(url: string, key: string, calls: number, check: (body: unknown) => void) {
  const timings: number[] = [];
  let last: unknown;
  for (let i = 0; i < calls; i += 1) {
    const started = performance.now();
    const res = await fetch(url, { headers: { 'x-api-key': key } });
    last = await res.json();
    if (res.status !== 200) throw new Error(`${url} → ${res.status} ${JSON.stringify(last)}`);
    timings.push(performance.now() - started);
  }
  check(last);
  timings.sort((a, b) => a - b);
  const at = (q: number) => timings[Math.min(timings.length - 1, Math.floor(q * timings.length))]!;
  return { p50: at(0.5), p99: at(0.99), last };
}

type Overview = { overview: { totals: { dataPoints: number } } };
type BucketAnalytics = { analytics: { summary: { totalDataPoints: number; dataPointsInPeriod: number } } };

/** K: sequential GET /api/analytics/overview (admin) and bucket analytics over 7 days (read key) on the seeded points. */
export async function analyticsLatency(baseUrl: string, adminKey: string, seed: Seed, calls = 21) {
  const overview = await timed(`${baseUrl}/api/analytics/overview`, adminKey, calls, (body) => {
    if (typeof (body as Overview).overview?.totals?.dataPoints !== 'number') throw new Error('overview without totals');
  });
  const bucket = await timed(`${baseUrl}/api/analytics/buckets/${seed.bucketId}?period=7d`, seed.readKey, calls, (body) => {
    if (typeof (body as BucketAnalytics).analytics?.summary?.dataPointsInPeriod !== 'number')
      throw new Error('bucket analytics without summary');
  });
  return {
    overview: { p50: overview.p50, p99: overview.p99, points: (overview.last as Overview).overview.totals.dataPoints },
    bucket: {
      p50: bucket.p50,
      p99: bucket.p99,
      points: (bucket.last as BucketAnalytics).analytics.summary.totalDataPoints,
      inPeriod: (bucket.last as BucketAnalytics).analytics.summary.dataPointsInPeriod,
    },
  };
}
