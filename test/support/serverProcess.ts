import mongoose, { Types } from 'mongoose';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startTcpProxy, type TcpProxy } from './tcpProxy';

const root = path.resolve(__dirname, '../..');

export interface RunningServer {
  port: number;
  /** The MQTT port, when the server was started with MQTT_PORT. */
  mqttPort: number | null;
  baseUrl: string;
  output: () => string;
  stop: () => Promise<number | null>;
  /** SIGKILL: the process dies mid-whatever, as in a crash or an OOM kill. */
  kill: () => Promise<number | null>;
}

/** The key every server process of the test run shares, as the instances of one deployment would. */
export const testWebhookSecretKey = Buffer.alloc(32, 7).toString('base64');

/** Runs a built entry point (npm test builds first) the way a user runs it, with its own environment. */
export function runBuilt(script: string, env: Record<string, string>, args: string[] = []): ChildProcess {
  return spawn(process.execPath, [path.join(root, 'dist', script), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', BCRYPT_ROUNDS: '6', WEBHOOK_SECRET_KEY: testWebhookSecretKey, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function collectOutput(child: ChildProcess): () => string {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return () => output;
}

export const exitCodeOf = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once('exit', resolve));

/** Starts `node dist/src/main.js` on port 0 and waits for its "listening" log line. */
export async function startServerProcess(env: Record<string, string>): Promise<RunningServer> {
  const child = runBuilt('src/main.js', { PORT: '0', HOST: '127.0.0.1', ...env });
  const output = collectOutput(child);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output()}`)), 20_000);
    const check = () => {
      const match = /"port":(\d+).*"msg":"dakkio-server listening"/.exec(output());
      if (match) {
        clearTimeout(timer);
        // The admin-key banner is printed right after the listening line.
        setTimeout(() => resolve(Number(match[1])), 50);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', () => reject(new Error(`server exited:\n${output()}`)));
  });
  const mqttPort = /"port":(\d+)[^\n]*"msg":"mqtt listening"/.exec(output())?.[1];
  return {
    port,
    mqttPort: mqttPort ? Number(mqttPort) : null,
    baseUrl: `http://127.0.0.1:${port}`,
    output,
    stop: async () => {
      child.kill('SIGTERM');
      return exitCodeOf(child);
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exitCodeOf(child);
      return null;
    },
  };
}

/** The test database server's URI naming a fresh database of its own (options in the URI kept). */
export function freshDatabaseUri(label: string): string {
  const url = new URL(process.env.DAKKIO_TEST_MONGODB_URI!);
  url.pathname = `/${label}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  return url.toString();
}

export interface ServerAnswer {
  status: number;
  ms: number;
  headers: Headers;
  body: Record<string, any>;
}

/** One JSON request to a running server, timed, with a bound so a hang fails the test. */
export async function callServer(server: RunningServer, method: string, path: string, key?: string, body?: unknown): Promise<ServerAnswer> {
  const started = Date.now();
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, ms: Date.now() - started, headers: res.headers, body: (await res.json()) as Record<string, any> };
}

/** The ids of a bucket's stored points, read straight from the database; the database is then dropped. */
export async function storedPointIdsThenDrop(uri: string, bucketId: string): Promise<Set<string>> {
  const connection = await mongoose.createConnection(uri).asPromise();
  try {
    const stored = await connection
      .collection('datapoints')
      .find({ bucketId: new Types.ObjectId(bucketId) }, { projection: { _id: 1 } })
      .toArray();
    return new Set(stored.map((point) => point._id.toHexString()));
  } finally {
    await connection.dropDatabase();
    await connection.close();
  }
}

/** A bucket with a `temperature` data source and a write and a read key, made through a running server with an admin key. */
export interface Fleet {
  bucketId: string;
  sourceId: string;
  writeKey: string;
  readKey: string;
}

export async function createFleet(server: RunningServer, adminKey: string): Promise<Fleet> {
  const bucket = await callServer(server, 'POST', '/api/buckets', adminKey, { name: `fleet ${Math.random()}` });
  const bucketId = bucket.body.bucket._id as string;
  const source = await callServer(server, 'POST', `/api/buckets/${bucketId}/sources`, adminKey, {
    name: 'probe',
    schema: { temperature: 'number' },
  });
  const key = async (type: 'write' | 'read') =>
    (await callServer(server, 'POST', `/api/buckets/${bucketId}/keys`, adminKey, { name: type, type })).body.apiKey.key as string;
  return { bucketId, sourceId: source.body.dataSource._id as string, writeKey: await key('write'), readKey: await key('read') };
}

/** A server process on a fresh database, connected to it through a TCP proxy the test can cut (a database outage). */
export async function startServerBehindProxy(
  label: string,
  env: Record<string, string>,
): Promise<{ server: RunningServer; proxy: TcpProxy; directUri: string }> {
  const directUri = freshDatabaseUri(label);
  const direct = new URL(directUri);
  // The embedded test database listens on a Unix socket, named percent-encoded in the URI's host.
  const socketPath = /%2F/i.test(direct.hostname) ? decodeURIComponent(direct.hostname) : null;
  const proxy = await startTcpProxy(socketPath ?? Number(direct.port));
  const viaProxy = new URL(directUri);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  const server = await startServerProcess({ MONGODB_URI: viaProxy.toString(), ...env });
  return { server, proxy, directUri };
}
