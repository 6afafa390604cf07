import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pointBody, type Seed } from './fixtures';
import { singleIngestLoad } from './load';

async function call(baseUrl: string, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, any>;
}

/** A receiver answering 204 at once, counting what arrives and when. */
async function startReceiver() {
  const arrivals: number[] = [];
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      arrivals.push(performance.now());
      response.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrivals, close: () => server.close() };
}

async function createRule(baseUrl: string, adminKey: string, seed: Seed, url: string, condition: string, cooldownMinutes: number) {
  const { alertRule } = await call(baseUrl, adminKey, 'POST', '/api/alerts', {
    bucketId: seed.bucketId,
    dataSourceId: seed.sourceId,
    name: `bench ${condition} ${Math.random()}`,
    condition,
    webhookUrl: url,
    cooldownMinutes,
  });
  return alertRule._id as string;
}

/**
 * F: single-point ingest (64 connections) on a source with 10 alert rules, one of them firing
 * (its cooldown keeps it from sending on every point), ÷ the same without rules; rounds
 * alternate, as in B. The rules are paused for the rounds without them.
 */
export async function ingestWithRulesRatio(baseUrl: string, adminKey: string, seed: Seed, seconds: number) {
  const receiver = await startReceiver();
  const conditions = ['temperature > 0', ...Array.from({ length: 9 }, (_, i) => `temperature > ${1000 + i}`)];
  const ruleIds = await Promise.all(conditions.map((condition) => createRule(baseUrl, adminKey, seed, `${receiver.url}/f`, condition, 60)));
  const setRules = (status: 'active' | 'paused') =>
    Promise.all(ruleIds.map((id) => call(baseUrl, adminKey, 'PATCH', `/api/buckets/${seed.bucketId}/alerts/${id}`, { status })));
  const load = () => singleIngestLoad(baseUrl, seed, seconds);
  const rounds = 3;
  let [withRules, without] = [0, 0];
  for (let round = 0; round < rounds; round += 1) {
    await setRules('active');
    // Resuming starts a rule at ok: one point makes the first rule fire before the round, so
    // the round measures evaluation with a rule firing, not the transition into it.
    const fired = receiver.arrivals.length;
    await call(baseUrl, seed.writeKey, 'POST', '/api/data', JSON.parse(pointBody(seed)));
    while (receiver.arrivals.length === fired) await new Promise((resolve) => setTimeout(resolve, 5));
    const on = await load();
    await setRules('paused');
    const off = await load();
    if (on.non2xx + on.errors + off.non2xx + off.errors > 0) throw new Error(`ingest with rules failed: ${JSON.stringify({ on, off })}`);
    withRules += on.requestsPerSecond;
    without += off.requestsPerSecond;
  }
  for (const id of ruleIds) await call(baseUrl, adminKey, 'DELETE', `/api/buckets/${seed.bucketId}/alerts/${id}`);
  receiver.close();
  return { withRules: withRules / rounds, without: without / rounds, ratio: withRules / without, triggered: receiver.arrivals.length };
}

/**
 * G: webhook delivery. Throughput: `count` test events queued through the API, delivered
 * (signed, over HTTP, recorded) to a local receiver; deliveries/s from the first queue call
 * to the last arrival. Latency: 50 points posted one after another, alternately above and
 * below a rule's threshold, so each one triggers or resolves it; p50 ms from sending a
 * point (the ingest request included) to its webhook's arrival. A webhook may arrive before
 * the client has read the 201: evaluation starts once the answer is written.
 */
export async function webhookDelivery(baseUrl: string, adminKey: string, seed: Seed, count = 2000) {
  const receiver = await startReceiver();
  const testRule = await createRule(baseUrl, adminKey, seed, `${receiver.url}/g`, 'temperature > 5000', 60);
  const started = performance.now();
  for (let queued = 0; queued < count; queued += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - queued) }, () =>
        call(baseUrl, adminKey, 'POST', `/api/buckets/${seed.bucketId}/alerts/${testRule}/test`),
      ),
    );
  }
  while (receiver.arrivals.length < count) await new Promise((resolve) => setTimeout(resolve, 10));
  const perSecond = count / ((receiver.arrivals[count - 1]! - started) / 1000);

  const flipping = await createRule(baseUrl, adminKey, seed, `${receiver.url}/g`, 'temperature > 6000', 0);
  const latencies: number[] = [];
  for (let n = 0; n < 50; n += 1) {
    const before = receiver.arrivals.length;
    const sent = performance.now();
    await call(baseUrl, seed.writeKey, 'POST', '/api/data', {
      bucketId: seed.bucketId,
      dataSourceId: seed.sourceId,
      values: { temperature: n % 2 ? 20 : 7000 },
    });
    while (receiver.arrivals.length === before) await new Promise((resolve) => setTimeout(resolve, 1));
    latencies.push(receiver.arrivals[before]! - sent);
  }
  for (const id of [testRule, flipping]) await call(baseUrl, adminKey, 'DELETE', `/api/buckets/${seed.bucketId}/alerts/${id}`);
  receiver.close();
  latencies.sort((a, b) => a - b);
  return { perSecond, latencyP50: latencies[25]!, latencyP99: latencies[49]! };
}
