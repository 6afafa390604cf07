import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from './freePort';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Debian's Prometheus (`apt-get install prometheus`): the real scraper of GET /metrics. */
export const prometheusPath = process.env.PROMETHEUS_PATH ?? '/usr/bin/prometheus';

export interface ScrapeTarget {
  /** host:port of the server to scrape. */
  address: string;
  /** Sent as `Authorization: Bearer <token>`, as the README's scrape config does. */
  bearerToken?: string;
}

export interface Prometheus {
  url: string;
  /** GET /api/v1/<path>; the parsed `data` of a successful answer. */
  api: (apiPath: string, params?: Record<string, string>) => Promise<any>;
  stop: () => Promise<void>;
}

/** The README's scrape config, scraping every second so a test waits seconds, not minutes. */
function configFor(target: ScrapeTarget): string {
  const authorization = target.bearerToken ? `    authorization:\n      type: Bearer\n      credentials: ${target.bearerToken}\n` : '';
  return `global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: dakkio
    metrics_path: /metrics
${authorization}    static_configs:
      - targets: ['${target.address}']
`;
}

/** Starts Prometheus on 127.0.0.1 with its config and storage in a temporary directory, and waits until it is ready. */
export async function startPrometheus(target: ScrapeTarget): Promise<Prometheus> {
  if (!existsSync(prometheusPath))
    throw new Error(`${prometheusPath} is missing: npm run test:e2e needs Debian's prometheus (apt-get install -y prometheus)`);
  const dir = mkdtempSync(path.join(tmpdir(), 'prometheus-'));
  const port = await freePort();
  const configFile = path.join(dir, 'prometheus.yml');
  writeFileSync(configFile, configFor(target));
  const child = spawn(
    prometheusPath,
    [`--config.file=${configFile}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (output.length < 20_000) output += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then(
      (res) => res.status === 200,
      () => false,
    );
    if (ready) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    api: async (apiPath, params = {}) => {
      const res = await fetch(`${url}/api/v1/${apiPath}?${new URLSearchParams(params)}`);
      const body = (await res.json()) as { status: string; data?: unknown; error?: string };
      if (body.status !== 'success') throw new Error(`prometheus ${apiPath}: ${body.error ?? res.status}`);
      return body.data;
    },
    stop,
  };
}
