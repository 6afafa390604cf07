import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Types } from 'mongoose';
import { startServerProcess } from './support/serverProcess';

const readme = readFileSync(path.resolve(__dirname, '../README.md'), 'utf8');

/** The README's shell block that starts with BASE=..., run as written but for the port. */
function walkthrough(): string {
  const block = readme.split('```sh\n').find((part) => part.startsWith('BASE=http://localhost:3000'));
  if (!block) throw new Error('README has no curl walk-through block');
  return block.slice(0, block.indexOf('```'));
}

describe('README curl walk-through', () => {
  it('works against a freshly started server with the printed admin key', async () => {
    const server = await startServerProcess({
      MONGODB_URI: `${process.env.DAKKIO_TEST_MONGODB_URI}/readme_${new Types.ObjectId().toHexString()}`,
    });
    try {
      const adminKey = /NEW ADMIN KEY[\s\S]*?(dakkio_a_[0-9A-Za-z]{40})/.exec(server.output())![1]!;
      const script = `set -euo pipefail\n${walkthrough().replace('http://localhost:3000', server.baseUrl)}`;
      const { stdout } = await promisify(execFile)('bash', ['-c', script], {
        env: { ...process.env, ADMIN_KEY: adminKey },
      });
      expect(stdout).toMatch(/^bucket: [0-9a-f]{24}$/m);
      expect(stdout).toContain('"keyPrefix":"dakkio_w_');
      expect(stdout).toContain('"keyPrefix":"dakkio_r_');
      expect(stdout).not.toMatch(/dakkio_[wr]_[0-9A-Za-z]{40}/);
      expect(stdout).toContain('"stats":{"dataSourceCount":0,"dataPointCount":0,"apiKeyCount":2}');
      expect(stdout).toContain('{"error":"Forbidden","message":"Only Admin keys can list API keys"');
    } finally {
      await server.stop();
    }
  });
});
