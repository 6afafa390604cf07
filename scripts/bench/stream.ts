import http from 'node:http';
import { type Seed, pointBody } from './fixtures';
import { singleIngestLoad } from './load';

interface OpenStream {
  /** Arrival time of each point event, by point id (only for the stream that parses). */
  arrivals: Map<string, number>;
  bytes: () => number;
  close: () => void;
}

/** One stream over a raw connection; `parse` keeps arrival times of point ids, the others only count bytes. */
function openStream(baseUrl: string, seed: Seed, key: string, parse: boolean): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const arrivals = new Map<string, number>();
    let bytes = 0;
    let text = '';
    const req = http.get(`${baseUrl}/api/buckets/${seed.bucketId}/stream`, { headers: { 'x-api-key': key }, agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        bytes += chunk.length;
        if (!parse) return;
        const now = performance.now();
        text += chunk;
        const events = text.split('\n\n');
        text = events.pop() ?? '';
        for (const event of events) {
          const id = /^id: \d+-([0-9a-f]{24})$/m.exec(event)?.[1];
          if (id) arrivals.set(id, now);
        }
      });
      resolve({ arrivals, bytes: () => bytes, close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}

async function post(baseUrl: string, seed: Seed, body: string): Promise<{ id: string; answeredAt: number }> {
  const res = await fetch(`${baseUrl}/api/data`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': seed.writeKey },
    body,
  });
  const answered = (await res.json()) as { dataPoint: { _id: string } };
  return { id: answered.dataPoint._id, answeredAt: performance.now() };
}

/**
 * H: fan-out. 500 streams open on `watched`'s bucket (the server runs with a per-key cap high
 * enough for one read key); single-point ingest into `seed`'s bucket at 64 connections with
 * them ÷ without them, rounds alternating; then 200 points posted one after another, and the
 * time from reading each 201 to its event arriving at a subscriber (negative when the event
 * came first: the server writes the event once the answer is out, and both race on
 * loopback). When `watched` is `seed`, every point goes to all 500 streams, whose reading
 * runs in this process next to the load generator, on the same cores as the server.
 */
export async function streamFanOut(baseUrl: string, seed: Seed, watched: Seed, seconds: number, streams = 500) {
  const load = () => singleIngestLoad(baseUrl, seed, seconds);
  const rounds = 3;
  let [withStreams, without, delivered] = [0, 0, 0];
  for (let round = 0; round < rounds; round += 1) {
    const open = await Promise.all(Array.from({ length: streams }, (_, i) => openStream(baseUrl, watched, watched.readKey, i === 0)));
    const on = await load();
    delivered += open[0]!.arrivals.size;
    for (const stream of open) stream.close();
    const off = await load();
    if (on.non2xx + on.errors + off.non2xx + off.errors > 0) throw new Error(`ingest with streams failed: ${JSON.stringify({ on, off })}`);
    withStreams += on.requestsPerSecond;
    without += off.requestsPerSecond;
  }

  const open = await Promise.all(Array.from({ length: streams }, (_, i) => openStream(baseUrl, watched, watched.readKey, i === 0)));
  const delays: number[] = [];
  for (let n = 0; n < 200; n += 1) {
    const { id, answeredAt } = await post(baseUrl, watched, pointBody(watched));
    while (!open[0]!.arrivals.has(id)) await new Promise((resolve) => setTimeout(resolve, 1));
    delays.push(open[0]!.arrivals.get(id)! - answeredAt);
  }
  for (const stream of open) stream.close();
  delays.sort((a, b) => a - b);
  return {
    withStreams: withStreams / rounds,
    without: without / rounds,
    ratio: withStreams / without,
    eventsPerSecondPerStream: delivered / (rounds * seconds),
    delayP50: delays[100]!,
    delayP99: delays[197]!,
  };
}
