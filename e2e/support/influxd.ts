import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from './freePort';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Debian's InfluxDB 1.6.7 (`apt-get install influxdb`): the reference line protocol and InfluxQL are compared with. */
export const influxdPath = process.env.INFLUXD_PATH ?? '/usr/bin/influxd';

export interface Influxd {
  url: string;
  /** POST /write to `db` (created first); the status and body InfluxDB answered. */
  write: (db: string, body: string, precision?: string) => Promise<{ status: number; body: string }>;
  /** GET /query with epoch=ns; the parsed JSON. */
  query: (db: string, q: string) => Promise<any>;
  stop: () => Promise<void>;
}

function configFor(dir: string, httpPort: number, rpcPort: number): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
[[udp]]
  enabled = false
`;
}

/** Starts influxd on 127.0.0.1 with its data in a temporary directory, and waits until /ping answers. */
export async function startInfluxd(): Promise<Influxd> {
  if (!existsSync(influxdPath))
    throw new Error(`${influxdPath} is missing: npm run test:e2e needs Debian's influxdb (apt-get install -y influxdb)`);
  const dir = mkdtempSync(path.join(tmpdir(), 'influxd-'));
  const [httpPort, rpcPort] = [await freePort(), await freePort()];
  writeFileSync(path.join(dir, 'influxdb.conf'), configFor(dir, httpPort, rpcPort));
  const child = spawn(influxdPath, ['-config', path.join(dir, 'influxdb.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (output.length < 20_000) output += chunk.toString();
  });
  const url = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const answered = await fetch(`${url}/ping`).then(
      (res) => res.status === 204,
      () => false,
    );
    if (answered) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`influxd did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const created = new Set<string>();
  const query = async (db: string, q: string) => {
    const res = await fetch(`${url}/query?${new URLSearchParams({ db, q, epoch: 'ns' })}`, { method: 'POST' });
    return res.json();
  };
  return {
    url,
    write: async (db, body, precision = 'ns') => {
      if (!created.has(db)) {
        await query(db, `CREATE DATABASE "${db}"`);
        created.add(db);
      }
      const res = await fetch(`${url}/write?${new URLSearchParams({ db, precision })}`, { method: 'POST', body });
      return { status: res.status, body: await res.text() };
    },
    query,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
