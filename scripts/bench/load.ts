import autocannon from 'autocannon';
import { pointBody, type Seed } from './fixtures';

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

/** autocannon with the numbers the benchmark reports. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    method: options.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: options.body,
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** The single-point ingest load of B, F, H, J and L: `POST /api/data` with the seed's write key, one point, 64 connections. */
export const singleIngestLoad = (baseUrl: string, seed: Seed, seconds: number) =>
  runLoad({
    url: `${baseUrl}/api/data`,
    method: 'POST',
    connections: 64,
    seconds,
    headers: { 'x-api-key': seed.writeKey },
    body: pointBody(seed),
  });
