import { type CertificateFiles, writeSelfSignedCertificate } from '../test/support/selfSignedCertificate';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDataSource, createTenant, type Tenant } from '../test/support/tenants';
import { startTestApp, type TestApp, useTestApp } from '../test/support/testApp';
import { storedPoints } from './support/storedPoints';

/**
 * Debian's `mosquitto_pub` and `mosquitto_sub` 2.0 (package mosquitto-clients, Eclipse
 * Mosquitto's own clients, the ones device scripts use) against dakkio's broker (api.md
 * §14): their exit codes and output, and what was stored.
 */

const mosquittoPubPath = process.env.MOSQUITTO_PUB_PATH ?? '/usr/bin/mosquitto_pub';
const mosquittoSubPath = process.env.MOSQUITTO_SUB_PATH ?? '/usr/bin/mosquitto_sub';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Running {
  /** Whether the program has not exited yet. */
  running: () => boolean;
  exited: Promise<Run>;
}

/**
 * Starts a mosquitto client, killed after `timeoutMs`. Its home is a directory that does not
 * exist, so it reads no ~/.config/mosquitto_pub (or _sub) options file of the machine.
 */
function startClient(program: string, args: string[], timeoutMs = 20_000): Running {
  if (!existsSync(program))
    throw new Error(`${program} is missing: npm run test:e2e needs Debian's mosquitto-clients (apt-get install -y mosquitto-clients)`);
  const child: ChildProcess = spawn(program, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exited = new Promise<Run>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (signal) reject(new Error(`${program} ${args.join(' ')} was killed (${signal})\nstdout: ${stdout}\nstderr: ${stderr}`));
      else resolve({ code, stdout, stderr });
    });
  });
  return { running: () => child.exitCode === null && child.signalCode === null, exited };
}

const runClient = (program: string, args: string[]) => startClient(program, args).exited;

const pointsTopic = (sourceId: string) => `dakkio/sources/${sourceId}/points`;

/** `mosquitto_pub` once to 127.0.0.1:`port` with `args` after the host and port. */
const pub = (port: number, args: string[]) => runClient(mosquittoPubPath, ['-h', '127.0.0.1', '-p', String(port), ...args]);

const app = useTestApp({ MQTT_PORT: '0' });
const mqttPort = () => app().mqtt!.port;

/** A fresh tenant with one data source, so what its bucket holds is what the test stored. */
async function tenantWithSource(schema?: object): Promise<{ tenant: Tenant; sourceId: string }> {
  const tenant = await createTenant(app());
  return { tenant, sourceId: await createDataSource(app(), tenant.adminKey, tenant.bucketId, schema) };
}

describe('mosquitto_pub', () => {
  it('publishes a QoS 1 point with the write key as the user name: exit 0, the point stored', async () => {
    const { tenant, sourceId } = await tenantWithSource();
    const before = Date.now();
    const run = await pub(mqttPort(), [
      '-u',
      tenant.writeKey,
      '-t',
      pointsTopic(sourceId),
      '-q',
      '1',
      '-m',
      '{"values":{"temperature":21.5}}',
    ]);
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
    // mosquitto_pub exits after the PUBACK, which dakkio sends once the point is written.
    const stored = await storedPoints(tenant.bucketId);
    expect(stored.map(({ values, metadata }) => ({ values, metadata }))).toEqual([{ values: { temperature: 21.5 }, metadata: {} }]);
    expect(stored[0]!.time).toBeGreaterThanOrEqual(before - 1000);
    expect(stored[0]!.time).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('publishes with any user name and the key as the password (-u x -P <key>), and a batch with timestamps from a file', async () => {
    const { tenant, sourceId } = await tenantWithSource({ temperature: 'number', label: 'string' });
    const one = await pub(mqttPort(), [
      '-u',
      'x',
      '-P',
      tenant.writeKey,
      '-t',
      pointsTopic(sourceId),
      '-q',
      '1',
      '-m',
      '{"timestamp":"2026-01-02T00:00:00Z","values":{"temperature":3}}',
    ]);
    expect(one).toEqual({ code: 0, stdout: '', stderr: '' });
    const dir = mkdtempSync(path.join(tmpdir(), 'mosquitto-pub-'));
    try {
      const file = path.join(dir, 'batch.json');
      const batch = [1, 2].map((i) => ({ timestamp: `2026-01-02T00:00:0${i}Z`, values: { temperature: 3 + i, label: `p${i}` } }));
      writeFileSync(file, JSON.stringify(batch));
      const many = await pub(mqttPort(), ['-u', 'x', '-P', tenant.writeKey, '-t', pointsTopic(sourceId), '-q', '1', '-f', file]);
      expect(many).toEqual({ code: 0, stdout: '', stderr: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const stored = await storedPoints(tenant.bucketId);
    expect(stored.map(({ time, values }) => ({ time, values }))).toEqual([
      { time: Date.UTC(2026, 0, 2), values: { temperature: 3 } },
      { time: Date.UTC(2026, 0, 2, 0, 0, 1), values: { temperature: 4, label: 'p1' } },
      { time: Date.UTC(2026, 0, 2, 0, 0, 2), values: { temperature: 5, label: 'p2' } },
    ]);
  });

  it('exits 4 with "bad user name or password" for an unknown key, storing nothing', async () => {
    const { tenant, sourceId } = await tenantWithSource();
    const message = ['-t', pointsTopic(sourceId), '-q', '1', '-m', '{"values":{"temperature":1}}'];
    for (const credentials of [['-u', `${tenant.writeKey}x`], ['-u', 'x', '-P', 'not-a-key'], []]) {
      const run = await pub(mqttPort(), [...credentials, ...message]);
      expect(run.code).toBe(4);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/Connection Refused: bad user name or password/i);
    }
    expect(await storedPoints(tenant.bucketId)).toEqual([]);
  });

  it('is refused MQTT 5 (-V mqttv5): a non-zero exit, nothing stored; MQTT 3.1 (-V mqttv31) is taken', async () => {
    const { tenant, sourceId } = await tenantWithSource();
    const message = ['-u', tenant.writeKey, '-t', pointsTopic(sourceId), '-q', '1'];
    const v5 = await pub(mqttPort(), ['-V', 'mqttv5', ...message, '-m', '{"values":{"temperature":5}}']);
    // 132 = 0x84, MQTT 5's "Unsupported Protocol Version", as mosquitto_pub reads the CONNACK it got.
    expect(v5.code).toBe(132);
    expect(v5.stderr).toMatch(/Unsupported Protocol Version/i);
    expect(await storedPoints(tenant.bucketId)).toEqual([]);
    const v31 = await pub(mqttPort(), ['-V', 'mqttv31', ...message, '-m', '{"values":{"temperature":31}}']);
    expect(v31).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await storedPoints(tenant.bucketId)).map((point) => point.values)).toEqual([{ temperature: 31 }]);
  });

  it('loses the connection (exit 7) publishing at QoS 1 to a source of another organization, storing nothing', async () => {
    const tenant = await createTenant(app());
    const { tenant: other, sourceId: foreign } = await tenantWithSource();
    const run = await pub(mqttPort(), ['-u', tenant.writeKey, '-t', pointsTopic(foreign), '-q', '1', '-m', '{"values":{"temperature":1}}']);
    expect(run.code).toBe(7);
    expect(run.stderr).toMatch(/The connection was lost/);
    expect(await storedPoints(other.bucketId)).toEqual([]);
  });
});

describe('mosquitto_sub', () => {
  let tenant: Tenant;
  beforeAll(async () => {
    tenant = await createTenant(app());
  });

  /** mosquitto_sub to 127.0.0.1, printing each message as "<qos> <retained> <topic> <payload>". */
  const sub = (args: string[]) =>
    startClient(mosquittoSubPath, ['-h', '127.0.0.1', '-p', String(mqttPort()), '-F', '%q %r %t %p', ...args]);
  const linesOf = (stdout: string) => stdout.split('\n').filter((line) => line !== '');

  it('receives a point posted over HTTP with the write key, as JSON, subscribed with the read key (-C 1 -W 10)', async () => {
    const sourceId = await createDataSource(app(), tenant.adminKey, tenant.bucketId);
    const subscriber = sub(['-u', tenant.readKey, '-t', pointsTopic(sourceId), '-q', '1', '-C', '1', '-W', '10']);
    // A live feed carries what is committed once the subscription is in place, and mosquitto_sub's
    // output to a pipe is buffered until it exits: post until it has received one (-C 1) and exited.
    const posted = new Map<string, unknown>();
    while (subscriber.running()) {
      const timestamp = new Date(Date.UTC(2026, 1, 3, 4, 5, posted.size)).toISOString();
      const res = await app()
        .http.post('/api/data')
        .set('X-API-Key', tenant.writeKey)
        .send({ bucketId: tenant.bucketId, dataSourceId: sourceId, timestamp, values: { temperature: 19.25 + posted.size } })
        .expect(201);
      const { _id, dataSourceId, values, metadata } = res.body.dataPoint;
      posted.set(_id, { _id, bucketId: tenant.bucketId, dataSourceId, timestamp, values, metadata });
      await Promise.race([subscriber.exited, new Promise((resolve) => setTimeout(resolve, 250))]);
    }
    const run = await subscriber.exited;
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const lines = linesOf(run.stdout);
    expect(lines).toHaveLength(1);
    const [qos, retained, topic, payload] = lines[0]!.split(' ');
    // At QoS 0 whatever was asked, never retained: a live feed.
    expect({ qos, retained, topic }).toEqual({ qos: '0', retained: '0', topic: pointsTopic(sourceId) });
    const received = JSON.parse(payload!);
    expect(received).toEqual(posted.get(received._id));
    expect(received.metadata).toEqual({});
    expect(await storedPoints(tenant.bucketId)).toHaveLength(posted.size);
  });

  it("gets nothing from '$SYS/#': the subscription is denied", async () => {
    const run = await sub(['-u', tenant.readKey, '-t', '$SYS/#', '-W', '2']).exited;
    expect(run).toEqual({ code: 0, stdout: '', stderr: 'All subscription requests were denied.\n' });
  });

  it('is denied a source of another bucket and wildcards, and refused a bad key (exit 4)', async () => {
    const other = await createTenant(app());
    const foreign = await createDataSource(app(), other.adminKey, other.bucketId);
    for (const topic of [pointsTopic(foreign), 'dakkio/sources/+/points', '#']) {
      const run = await sub(['-u', tenant.readKey, '-t', topic, '-W', '2']).exited;
      expect(run).toEqual({ code: 0, stdout: '', stderr: 'All subscription requests were denied.\n' });
    }
    const refused = await sub(['-u', 'not-a-key', '-t', pointsTopic(foreign), '-W', '5']).exited;
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/Connection Refused: bad user name or password/i);
  });
});

describe('mosquitto_pub over TLS (MQTT_TLS_CERT and MQTT_TLS_KEY set)', () => {
  let tlsApp: TestApp | undefined;
  let certificate: CertificateFiles | undefined;
  let caFile: string;
  let tenant: Tenant;

  beforeAll(async () => {
    certificate = await writeSelfSignedCertificate('mosquitto-tls');
    caFile = certificate.certPath;
    tlsApp = await startTestApp({ MQTT_PORT: '0', MQTT_TLS_CERT: certificate.certPath, MQTT_TLS_KEY: certificate.keyPath });
    tenant = await createTenant(tlsApp);
  });
  afterAll(async () => {
    await tlsApp?.close();
    certificate?.remove();
  });

  it('publishes trusting the certificate (--cafile): exit 0, stored; untrusted or without TLS it does not connect', async () => {
    const port = tlsApp!.mqtt!.port;
    const sourceId = await createDataSource(tlsApp!, tenant.adminKey, tenant.bucketId);
    const message = ['-u', tenant.writeKey, '-t', pointsTopic(sourceId), '-q', '1'];
    const trusted = await pub(port, ['--cafile', caFile, ...message, '-m', '{"values":{"temperature":42}}']);
    expect(trusted).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await storedPoints(tenant.bucketId)).map((point) => point.values)).toEqual([{ temperature: 42 }]);

    // TLS trusting only the machine's CAs: the self-signed certificate fails verification. Whether
    // mosquitto_pub meets the failure inside its connect call (exit 1, "Unable to connect (…)") or in
    // its network loop right after (exit 8, MOSQ_ERR_TLS) depends on when the handshake's answer arrives.
    const untrusted = await pub(port, ['--tls-use-os-certs', ...message, '-m', '{"values":{"temperature":1}}']);
    expect([1, 8]).toContain(untrusted.code);
    expect(untrusted.stderr).toMatch(/^(Unable to connect \(A TLS error occurred\.\)\.|Error: A TLS error occurred\.)\n$/);
    // No CA option: plain MQTT, which the TLS listener drops.
    const plain = await pub(port, [...message, '-m', '{"values":{"temperature":2}}']);
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/The connection was lost|Connection reset/);
    const badKey = await pub(port, ['--cafile', caFile, '-u', 'not-a-key', '-t', pointsTopic(sourceId), '-q', '1', '-m', '{}']);
    expect(badKey.code).toBe(4);
    expect((await storedPoints(tenant.bucketId)).map((point) => point.values)).toEqual([{ temperature: 42 }]);
  });
});
