import type { Server } from 'node:http';
import { buildApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createDeps } from '../../src/createDeps';
import { createLogger } from '../../src/logger';
import { createKeyVerifier } from '../../src/modules/keys/verifyKey';
import { DataPointModel } from '../../src/modules/points/model';
import { batchBody, pointBody, pointDocuments, rawInsert, type Seed } from './fixtures';
import { runLoad, singleIngestLoad } from './load';

/** Length of each load phase. */
export const seconds = Number(process.env.BENCH_SECONDS ?? 8);

/** A: batch ingest over HTTP vs the raw driver's insertMany, both 8-way concurrent, 1000 points a batch. */
export async function batchIngestRatio(baseUrl: string, seed: Seed) {
  const http = await runLoad({
    url: `${baseUrl}/api/data/batch`,
    method: 'POST',
    connections: 8,
    seconds,
    headers: { 'x-api-key': seed.writeKey },
    body: batchBody(seed, 1000),
  });
  if (http.non2xx > 0 || http.errors > 0) throw new Error(`batch ingest failed: ${JSON.stringify(http)}`);
  let rawPoints = 0;
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (Date.now() < until) {
        await rawInsert(pointDocuments(seed, 1000, Date.UTC(2026, 0, 1), 1000));
        rawPoints += 1000;
      }
    }),
  );
  const httpPointsPerSecond = http.requestsPerSecond * 1000;
  const rawPointsPerSecond = rawPoints / seconds;
  return { httpPointsPerSecond, rawPointsPerSecond, ratio: httpPointsPerSecond / rawPointsPerSecond };
}

/**
 * B: single-point ingest vs a bare Express app answering {ok:true}, 64 connections each.
 * The two alternate in short rounds so that drift on a busy 2-core machine hits both alike.
 */
export async function singleIngestRatio(baseUrl: string, bareUrl: string, seed: Seed) {
  const body = pointBody(seed);
  const rounds = 3;
  const roundSeconds = Math.max(2, Math.round(seconds / rounds));
  let [ingestTotal, bareTotal] = [0, 0];
  for (let round = 0; round < rounds; round += 1) {
    const ingest = await singleIngestLoad(baseUrl, seed, roundSeconds);
    if (ingest.non2xx > 0 || ingest.errors > 0) throw new Error(`single ingest failed: ${JSON.stringify(ingest)}`);
    const bare = await runLoad({ url: bareUrl, method: 'POST', connections: 64, seconds: roundSeconds, body });
    ingestTotal += ingest.requestsPerSecond;
    bareTotal += bare.requestsPerSecond;
  }
  return { ingestPerSecond: ingestTotal / rounds, barePerSecond: bareTotal / rounds, ratio: ingestTotal / bareTotal };
}

const listen = (app: ReturnType<typeof buildApp>) =>
  new Promise<Server>((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as { port: number }).port}`;

/**
 * C: the same app, in this process, once with key verification and once with a verifier
 * that accepts the key without looking at it; the difference is what authentication adds.
 * Without authentication the route still has to read its bucket, which verification
 * otherwise reads together with the key, so the accepted key carries no bucket.
 */
export async function authLatency(seed: Seed) {
  const config = loadConfig({ LOG_LEVEL: 'silent', RATE_LIMIT_PER_KEY: '1000000000' });
  const logger = createLogger('silent');
  const verification = await createKeyVerifier({ cacheSize: 10 })(seed.readKey);
  if (!verification.valid) throw new Error('bench read key does not verify');
  const withAuth = await listen(buildApp(createDeps(config, logger)));
  const acceptWithoutReading = { valid: true as const, key: { ...verification.key, bucket: undefined } };
  const withoutAuth = await listen(buildApp({ ...createDeps(config, logger), verifyKey: async () => acceptWithoutReading }));
  const route = `/api/buckets/${seed.bucketId}/sources`;
  const load = (server: Server) =>
    runLoad({ url: `${urlOf(server)}${route}`, connections: 4, seconds: Math.max(3, seconds / 2), headers: { 'x-api-key': seed.readKey } });
  const authed = await load(withAuth);
  const open = await load(withoutAuth);
  withAuth.close();
  withoutAuth.close();
  return { authed, open, addedP50: authed.p50 - open.p50, addedP99: authed.p99 - open.p99 };
}

/** D: hourly averages over a day of 100k points, p50 of sequential queries. Yesterday (UTC), so K's 7-day analytics cover them. */
export async function aggregationLatency(baseUrl: string, seed: Seed, sourceId: string) {
  const day = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000;
  const points = 100_000;
  for (let offset = 0; offset < points; offset += 10_000) {
    await rawInsert(pointDocuments({ ...seed, sourceId }, 10_000, day + offset * 864, 864));
  }
  const body = JSON.stringify({
    bucketId: seed.bucketId,
    dataSourceId: sourceId,
    aggregation: 'avg',
    groupBy: 'hour',
    filters: { startTime: new Date(day).toISOString(), endTime: new Date(day + 86_400_000).toISOString() },
  });
  const timings: number[] = [];
  for (let i = 0; i < 7; i += 1) {
    const started = performance.now();
    const res = await fetch(`${baseUrl}/api/data/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': seed.readKey },
      body,
    });
    const result = (await res.json()) as { data: unknown[] };
    if (res.status !== 200 || result.data.length !== 24) throw new Error(`aggregation query failed: ${res.status}`);
    timings.push(performance.now() - started);
  }
  timings.sort((a, b) => a - b);
  return {
    p50: timings[Math.floor(timings.length / 2)]!,
    points: await DataPointModel.collection.countDocuments({}),
    range: { startTime: new Date(day), endTime: new Date(day + 86_400_000) },
  };
}
