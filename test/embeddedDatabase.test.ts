import mongoose from 'mongoose';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import {
  adminKey,
  commandLineOf,
  healthLatencies,
  isRunning,
  listenersOf,
  percentile,
  socketPathOf,
  startWithDatabaseProcess,
  startWithEmbeddedDatabase,
  waitUntil,
} from './support/embeddedProcesses';
import { callServer, type RunningServer } from './support/serverProcess';

/** A bucket with 100,000 points, one a second, stored through the API 1000 at a time. */
async function seedHundredThousandPoints(server: RunningServer) {
  const bucket = await callServer(server, 'POST', '/api/buckets', adminKey, { name: 'heavy', retentionDays: 3650 });
  const bucketId = bucket.body.bucket._id as string;
  const key = await callServer(server, 'POST', `/api/buckets/${bucketId}/keys`, adminKey, { name: 'r', type: 'read' });
  const source = await callServer(server, 'POST', `/api/buckets/${bucketId}/sources`, adminKey, { name: 's', schema: { n: 'number' } });
  const [readKey, dataSourceId] = [key.body.apiKey.key as string, source.body.dataSource._id as string];
  const start = Date.UTC(2026, 0, 1);
  for (let offset = 0; offset < 100_000; offset += 1000) {
    const dataPoints = Array.from({ length: 1000 }, (_, i) => ({
      dataSourceId,
      timestamp: new Date(start + (offset + i) * 1000).toISOString(),
      values: { n: i },
    }));
    expect((await callServer(server, 'POST', '/api/data/batch', adminKey, { bucketId, dataPoints })).status).toBe(201);
  }
  // Count by minute over every point: on CongoDB a full scan and ~1,700 groups, seconds of work.
  const filters = { startTime: new Date(start).toISOString(), endTime: new Date(start + 100_000_000).toISOString(), limit: 10_000 };
  return { readKey, countByMinute: { bucketId, dataSourceId, aggregation: 'count', groupBy: 'minute', filters } };
}

describe('npm start with the embedded database', () => {
  let server: RunningServer;
  let serverPid: number;
  let databasePid: number;

  beforeAll(async () => {
    ({ server, serverPid, databasePid } = await startWithDatabaseProcess());
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs the database in a child process of its own', () => {
    expect(databasePid).not.toBe(serverPid);
    expect(commandLineOf(databasePid).join(' ')).toMatch(/dist\/src\/db\/embeddedCongoProcess\.js$/);
  });

  it('listens on a Unix socket in a fresh 0700 directory of this user, and on no TCP port', async () => {
    expect(listenersOf(databasePid).tcpPorts).toEqual([]);
    expect(listenersOf(serverPid).tcpPorts).toEqual([server.port]);
    const socketPath = socketPathOf(databasePid);
    const directory = statSync(path.dirname(socketPath));
    expect(directory.mode & 0o777).toBe(0o700);
    expect(directory.uid).toBe(process.getuid!());

    // It is the server's database: the admin key bootstrap stored is there.
    const connection = await mongoose
      .createConnection(`mongodb://${encodeURIComponent(socketPath)}/test?serverMonitoringMode=poll`)
      .asPromise();
    try {
      expect(await connection.collection('apikeys').countDocuments({ type: 'admin' })).toBeGreaterThan(0);
    } finally {
      await connection.close();
    }
  });

  // Only root can run a process as another user; the 0700 mode checked above is what this proves.
  (process.getuid?.() === 0 ? it : it.skip)('refuses another user at the socket', () => {
    const probe = `require('net').connect(${JSON.stringify(socketPathOf(databasePid))}).on('connect', () => { console.log('connected'); process.exit(0) }).on('error', (e) => { console.log(e.code); process.exit(0) })`;
    const result = spawnSync(process.execPath, ['-e', probe], { uid: 65534, gid: 65534, cwd: '/', encoding: 'utf8', timeout: 10_000 });
    expect(result.stdout.trim()).toBe('EACCES');
  });
});

describe('npm start with the embedded database under load', () => {
  it('keeps /health fast while a heavy aggregation runs', async () => {
    const server = await startWithEmbeddedDatabase();
    try {
      const { readKey, countByMinute } = await seedHundredThousandPoints(server);
      let querying = true;
      const queries: { status: number; ms: number; counted: number }[] = [];
      const queryLoop = (async () => {
        while (querying) {
          const { status, ms, body } = await callServer(server, 'POST', '/api/data/query', readKey, countByMinute);
          queries.push({ status, ms, counted: (body.data as { count: number }[]).reduce((sum, row) => sum + row.count, 0) });
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 300)); // the first query has reached the database
      const latencies = await healthLatencies(server.baseUrl, 100, 10_000);
      querying = false;
      await queryLoop;

      expect(queries.length).toBeGreaterThan(0);
      expect(queries.every((query) => query.status === 200 && query.counted === 100_000)).toBe(true);
      const summary = { calls: latencies.length, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), queries };
      // In the server's own event loop each such query stalled /health for its whole duration (~1.6 s).
      expect({ ...summary, p99Under100: summary.p99 < 100 }).toMatchObject({ calls: 100, p99Under100: true });
    } finally {
      await server.stop();
    }
  }, 120_000);
});

describe('the embedded database process ends with the server', () => {
  it('stops on SIGTERM of the server, and its socket directory is removed', async () => {
    const { server, databasePid } = await startWithDatabaseProcess();
    const socketDirectory = path.dirname(socketPathOf(databasePid));
    expect(await server.stop()).toBe(0);
    expect(isRunning(databasePid)).toBe(false);
    expect(() => statSync(socketDirectory)).toThrow(/ENOENT/);
  });

  it('lets the server shut down cleanly when SIGTERM reaches both processes at once (as systemd sends it)', async () => {
    const { server, serverPid, databasePid } = await startWithDatabaseProcess();
    process.kill(databasePid, 'SIGTERM');
    process.kill(serverPid, 'SIGTERM');
    expect(await server.stop()).toBe(0);
    expect(server.output()).toContain('"msg":"shutdown complete"');
    expect(server.output()).not.toMatch(/error while releasing|ended unexpectedly/);
    expect(isRunning(databasePid)).toBe(false);
  });

  it('exits within seconds when the server is killed with SIGKILL, removing its socket directory', async () => {
    const { server, serverPid, databasePid } = await startWithDatabaseProcess();
    const socketDirectory = path.dirname(socketPathOf(databasePid));
    process.kill(serverPid, 'SIGKILL');
    await server.stop(); // reaps the killed server
    expect(await waitUntil(() => !isRunning(databasePid), 5000)).toBe(true);
    expect(await waitUntil(() => !statSync(socketDirectory, { throwIfNoEntry: false }), 1000)).toBe(true);
  });

  it('takes the server down with a message when the database process dies, removing its socket directory', async () => {
    const { server, serverPid, databasePid } = await startWithDatabaseProcess();
    const socketDirectory = path.dirname(socketPathOf(databasePid));
    process.kill(databasePid, 'SIGKILL');
    expect(await waitUntil(() => !isRunning(serverPid), 5000)).toBe(true);
    expect(await server.stop()).toBe(1);
    expect(statSync(socketDirectory, { throwIfNoEntry: false })).toBeUndefined();
    expect(server.output()).toMatch(/embedded database process ended unexpectedly \(SIGKILL\)/);
  });
});
