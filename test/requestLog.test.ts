import { Types } from 'mongoose';
import { unknownKey } from './support/http';
import { useTestApp } from './support/testApp';

const app = useTestApp();

/** The one request log line of this request id, parsed. */
function requestLine(requestId: string): Record<string, unknown> | undefined {
  return app()
    .logs.flatMap((chunk) => chunk.split('\n').filter(Boolean))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((line) => line.requestId === requestId && line.msg === 'request');
}

describe('request log lines', () => {
  it.each([
    ['GET /api/<write key>', 'w', (key: string) => `/api/${key}`],
    ['GET /api/buckets/:id/keys/<read key>', 'r', (key: string) => `/api/buckets/${new Types.ObjectId().toHexString()}/keys/${key}`],
  ] as const)('%s: answered as today, and no log line holds the key; the path is logged redacted', async (_name, type, pathFor) => {
    const key = unknownKey(type);
    const secret = key.slice(`dakkio_${type}_`.length);
    const res = await app().http.get(pathFor(key));
    expect([400, 404]).toContain(res.status);

    const requestId = res.headers['x-request-id'] as string;
    let line = requestLine(requestId);
    for (let waited = 0; !line && waited < 2000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      line = requestLine(requestId);
    }
    expect(line).toBeDefined();
    expect(String(line?.path)).toContain(`dakkio_${type}_`);
    expect(String(line?.path)).not.toContain(secret);

    const leaking = app().logs.filter((chunk) => chunk.includes(secret) || chunk.includes(key));
    expect(leaking).toEqual([]);
  });
});
