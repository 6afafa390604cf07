import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { freshDatabaseUri, startServerProcess } from './support/serverProcess';

const readme = readFileSync(path.resolve(__dirname, '../README.md'), 'utf8');

/** The README's shell blocks from the one that sets BASE=... on, run as written but for the port. */
function walkthrough(): string {
  const blocks = readme
    .split('```sh\n')
    .slice(1)
    .map((part) => part.slice(0, part.indexOf('```')));
  const first = blocks.findIndex((block) => block.startsWith('BASE=http://localhost:3000'));
  if (first < 0) throw new Error('README has no curl walk-through block');
  return blocks.slice(first, first + 3).join('\n');
}

/** A port nothing listens on right now, for the README's webhook receiver. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

describe('README curl walk-through', () => {
  it('works against a freshly started server with the printed admin key', async () => {
    const server = await startServerProcess({
      MONGODB_URI: freshDatabaseUri('readme'),
      // As the README's alerts section says to start it.
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOWED_IPS: '127.0.0.1',
    });
    try {
      const adminKey = /NEW ADMIN KEY[\s\S]*?(dakkio_a_[0-9A-Za-z]{40})/.exec(server.output())![1]!;
      const hookPort = await freePort();
      const script = `set -euo pipefail\n${walkthrough().replace('http://localhost:3000', server.baseUrl).replace('HOOK_PORT=4000', `HOOK_PORT=${hookPort}`)}`;
      const { stdout } = await promisify(execFile)('bash', ['-c', script], {
        env: { ...process.env, ADMIN_KEY: adminKey },
      });
      expect(stdout).toMatch(/^bucket: [0-9a-f]{24}$/m);
      expect(stdout).toContain('"keyPrefix":"dakkio_w_');
      expect(stdout).toContain('"keyPrefix":"dakkio_r_');
      expect(stdout).not.toMatch(/dakkio_[wr]_[0-9A-Za-z]{40}/);
      expect(stdout).toContain('"stats":{"dataSourceCount":0,"dataPointCount":0,"apiKeyCount":2}');
      expect(stdout).toContain('{"error":"Forbidden","message":"Only Admin keys can list API keys"');
      expect(stdout).toContain('"message":"Data point ingested successfully"');
      expect(stdout).toContain('{"message":"Batch ingested successfully","inserted":3}');
      expect(stdout).toMatch(
        /"timestamp":"2026-01-01T11:15:00.000Z","values":\{"temperature":23\}.*"timestamp":"2026-01-01T10:30:00.000Z"/,
      );
      expect(stdout).toContain('"timestamp":"2026-01-01T10:00:00.000Z","dataSourceId":');
      expect(stdout).toContain('"values":{"temperature":19.5},"count":2}');
      expect(stdout).toContain('"values":{"temperature":23},"count":1}');
      expect(stdout).toContain('"aggregation":"avg","groupBy":"hour","downsamplingApplied":false');
      const received = /received ([0-9a-f]{24}) (\{.*\})$/m.exec(stdout);
      expect(JSON.parse(received![2]!)).toMatchObject({
        type: 'alert.triggered',
        data: { alertName: 'Greenhouse too hot', currentValue: 31.5 },
      });
      expect(stdout).toMatch(new RegExp(`"deliveries":\\[\\{"_id":"${received![1]}".*"type":"alert.triggered","status":"succeeded"`));
    } finally {
      await server.stop();
    }
  });
});
