import http from 'node:http';

const devices = ['dev-3', 'dev-17', 'dev-42', 'dev-58', 'dev-91'];
const sites = ['north', 'south'];
/** 100 realistic line heads; line t is head t % 100 and timestamp start + t (ms), so no two lines share a time. */
const heads = Array.from(
  { length: 100 },
  (_, i) =>
    `sensors,device=${devices[i % devices.length]},site=${sites[i % sites.length]} temperature=${(18 + (i % 70) / 10).toFixed(1)},humidity=${(40 + (i % 17) * 0.7).toFixed(1)},ok=${i % 9 !== 0}`,
);

/** Line-protocol bodies at ms precision; two streams from the same start give identical bodies in the same order. */
export function lineStream(start: number) {
  let next = 0;
  return {
    body(lines: number): string {
      let body = '';
      for (let i = 0; i < lines; i += 1, next += 1) body += `${heads[next % heads.length]} ${start + next}\n`;
      return body;
    },
  };
}

/** Where to POST line protocol, and with which headers. */
export interface LineTarget {
  name: string;
  url: string;
  headers: Record<string, string>;
}

/** A POST on a keep-alive agent; the body of any answer but 204 is read, for the error message. */
function post(agent: http.Agent, target: LineTarget, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), ...target.headers };
    const request = http.request(target.url, { method: 'POST', agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      if (res.statusCode !== 204) res.on('data', (chunk: string) => (text += chunk));
      else res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * `connections` workers each repeat `work` (which returns how many points it stored), at least
 * once, until `seconds` are over; the rate is per real elapsed second, the last calls' tails included.
 */
export async function runWorkers(connections: number, seconds: number, work: () => Promise<number>) {
  const started = performance.now();
  const until = started + seconds * 1000;
  let points = 0;
  let failure: unknown;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      do {
        try {
          const stored = await work();
          points += stored;
        } catch (error) {
          failure ??= error;
        }
      } while (failure === undefined && performance.now() < until);
    }),
  );
  if (failure !== undefined) throw failure;
  const elapsed = (performance.now() - started) / 1000;
  return { points, elapsed, perSecond: points / elapsed };
}

/**
 * Line-protocol load: `connections` keep-alive connections, each POSTing `lines` fresh
 * lines of `stream` at a time. Any answer but 204 stops every worker and throws with it.
 */
export async function lineLoad(
  target: LineTarget,
  stream: ReturnType<typeof lineStream>,
  lines: number,
  connections: number,
  seconds: number,
) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  let requests = 0;
  try {
    const result = await runWorkers(connections, seconds, async () => {
      const { status, text } = await post(agent, target, stream.body(lines));
      if (status !== 204) throw new Error(`${target.name} answered ${status} to ${lines}-line writes: ${text.slice(0, 2000)}`);
      requests += 1;
      return lines;
    });
    return { ...result, requests, requestsPerSecond: requests / result.elapsed };
  } finally {
    agent.destroy();
  }
}
