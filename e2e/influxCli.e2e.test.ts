import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { storedCounts } from '../test/support/assertions';
import { createTenant, type Tenant } from '../test/support/tenants';
import { useTestApp } from '../test/support/testApp';
import { runInfluxCli } from './support/influxCli';
import { storedPoints } from './support/storedPoints';

/**
 * Debian's `influx` 1.6.7 CLI (InfluxData's own client, package influxdb-client) writing to
 * dakkio's POST /write (api.md §12): `-execute 'INSERT …'` and `-import`. The CLI exits 0
 * after an error answer too, so every case checks what it printed and what was stored.
 */

const app = useTestApp();
const appPort = () => new URL(app().http.get('/').url).port;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'influx-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 2026-01-02T00:00:00Z in seconds: in the past, so dakkio takes it. */
const ts = Math.floor(Date.UTC(2026, 0, 2) / 1000);
const msOf = (seconds: number) => seconds * 1000;

const bucketNameOf = async (tenant: Tenant) =>
  (await app().http.get(`/api/buckets/${tenant.bucketId}`).set('X-API-Key', tenant.adminKey).expect(200)).body.bucket.name as string;

/** The CLI's connection flags; the key is the password, as the CLI sends it in Basic auth. */
const connect = (key: string) => ['-host', '127.0.0.1', '-port', appPort(), '-username', 'u', '-password', key];

const insert = (key: string, database: string, statement: string, precision = 's') =>
  runInfluxCli([...connect(key), '-database', database, '-precision', precision, '-execute', statement]);

/** The CLI's log output without the date and time it starts each line with. */
const logged = (text: string) => text.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /gm, '');

/** A file in the CLI's -import format: the DML section with its context comments, blank lines between. */
function importFile(name: string, database: string, lines: string[], gzip = false): string {
  const text = ['# DML', `# CONTEXT-DATABASE: ${database}`, '# CONTEXT-RETENTION-POLICY: autogen', '', ...lines, ''].join('\n');
  const file = path.join(dir, name);
  writeFileSync(file, gzip ? gzipSync(text) : text);
  return file;
}

describe('influx -execute INSERT', () => {
  it('stores the point in the bucket named by -database (name or id), in the -precision given', async () => {
    const tenant = await createTenant(app());
    const name = await bucketNameOf(tenant);
    const byName = await insert(tenant.writeKey, name, `INSERT cpu,host=a value=1i ${ts}`);
    expect(byName).toEqual({ code: 0, stdout: '', stderr: '' });
    const byId = await insert(
      tenant.writeKey,
      tenant.bucketId,
      `INSERT cpu,host=b value=2.5,up=true,label="x \\"y\\"" ${msOf(ts) + 1}`,
      'ms',
    );
    expect(byId).toEqual({ code: 0, stdout: '', stderr: '' });
    // No timestamp: the server's time of the write.
    const before = Date.now();
    expect(await insert(tenant.writeKey, name, 'INSERT now_m v=7')).toEqual({ code: 0, stdout: '', stderr: '' });
    const after = Date.now();
    const stored = await storedPoints(tenant.bucketId);
    expect(stored.filter((point) => point.measurement === 'cpu')).toEqual([
      { measurement: 'cpu', time: msOf(ts), values: { value: 1 }, metadata: { host: 'a' } },
      { measurement: 'cpu', time: msOf(ts) + 1, values: { value: 2.5, up: true, label: 'x "y"' }, metadata: { host: 'b' } },
    ]);
    const now = stored.filter((point) => point.measurement === 'now_m');
    expect(now.map((point) => point.values)).toEqual([{ v: 7 }]);
    expect(now[0]!.time).toBeGreaterThanOrEqual(before - 1);
    expect(now[0]!.time).toBeLessThanOrEqual(after + 1);
    expect(stored).toHaveLength(3);
  });

  it('prints ERR: {"error":"authorization failed"} for an unknown key and stores nothing', async () => {
    const tenant = await createTenant(app());
    const before = await storedCounts();
    const run = await insert(`dakkio_w_${'A'.repeat(40)}`, tenant.bucketId, `INSERT cpu value=1 ${ts}`);
    expect(run).toEqual({ code: 0, stdout: 'ERR: {"error":"authorization failed"}\n', stderr: '' });
    expect(await storedCounts()).toEqual(before);
  });

  it('prints the 403 message for a read key and stores nothing', async () => {
    const tenant = await createTenant(app());
    const before = await storedCounts();
    const run = await insert(tenant.readKey, tenant.bucketId, `INSERT cpu value=1 ${ts}`);
    expect(run).toEqual({ code: 0, stdout: 'ERR: {"error":"Only Admin and Write keys can write data"}\n', stderr: '' });
    expect(await storedCounts()).toEqual(before);
  });

  it('prints the 404 for a bucket the key cannot see', async () => {
    const tenant = await createTenant(app());
    const other = await createTenant(app());
    const run = await insert(tenant.writeKey, other.bucketId, `INSERT cpu value=1 ${ts}`);
    expect(run).toEqual({ code: 0, stdout: 'ERR: {"error":"Bucket not found"}\n', stderr: '' });
    expect(await storedPoints(other.bucketId)).toEqual([]);
  });

  it('prints InfluxDB’s error for a bad line and for a field type conflict, storing neither', async () => {
    const tenant = await createTenant(app());
    expect(await insert(tenant.writeKey, tenant.bucketId, `INSERT cpu value=1 ${ts}`)).toEqual({ code: 0, stdout: '', stderr: '' });
    const bad = await insert(tenant.writeKey, tenant.bucketId, `INSERT cpu value= ${ts + 1}`);
    expect(bad).toEqual({
      code: 0,
      stdout: `ERR: {"error":"unable to parse 'cpu value= ${ts + 1}': missing field value dropped=1"}\n`,
      stderr: '',
    });
    const conflict = await insert(tenant.writeKey, tenant.bucketId, `INSERT cpu value="x" ${ts + 2}`);
    expect(conflict).toEqual({
      code: 0,
      stdout:
        `ERR: {"error":"unable to parse 'cpu value=\\"x\\" ${ts + 2}': field type conflict: ` +
        'input field \\"value\\" on measurement \\"cpu\\" is type string, already exists as type number dropped=1"}\n',
      stderr: '',
    });
    expect(await storedPoints(tenant.bucketId)).toEqual([{ measurement: 'cpu', time: msOf(ts), values: { value: 1 }, metadata: {} }]);
  });
});

describe('influx -import', () => {
  it('stores every line of the file and prints Processed N inserts / Failed 0 inserts', async () => {
    const tenant = await createTenant(app());
    const name = await bucketNameOf(tenant);
    const lines = [
      `mem,host=a used=1i,free=2.5 ${ts}`,
      `mem,host=b used=2i ${ts + 1}`,
      '',
      `disk,path=/var ok=true,note="full\\\\ish" ${ts + 2}`,
      `mem,host=a used=3i ${ts + 3}`,
    ];
    const run = await runInfluxCli([...connect(tenant.writeKey), '-import', '-path', importFile('ok.txt', name, lines), '-precision', 's']);
    expect({ ...run, stdout: logged(run.stdout) }).toEqual({
      code: 0,
      stdout: 'Processed 0 commands\nProcessed 4 inserts\nFailed 0 inserts\n',
      stderr: '',
    });
    expect(await storedPoints(tenant.bucketId)).toEqual([
      { measurement: 'mem', time: msOf(ts), values: { used: 1, free: 2.5 }, metadata: { host: 'a' } },
      { measurement: 'mem', time: msOf(ts + 1), values: { used: 2 }, metadata: { host: 'b' } },
      { measurement: 'disk', time: msOf(ts + 2), values: { ok: true, note: 'full\\ish' }, metadata: { path: '/var' } },
      { measurement: 'mem', time: msOf(ts + 3), values: { used: 3 }, metadata: { host: 'a' } },
    ]);
  });

  it('reads a gzipped file with -compressed', async () => {
    const tenant = await createTenant(app());
    const lines = Array.from({ length: 50 }, (_, i) => `gz,n=n${i % 5} v=${i}i ${ts + i}`);
    const file = importFile('ok.txt.gz', tenant.bucketId, lines, true);
    const run = await runInfluxCli([...connect(tenant.writeKey), '-import', '-path', file, '-compressed', '-precision', 's']);
    expect({ ...run, stdout: logged(run.stdout) }).toEqual({
      code: 0,
      stdout: 'Processed 0 commands\nProcessed 50 inserts\nFailed 0 inserts\n',
      stderr: '',
    });
    const stored = await storedPoints(tenant.bucketId);
    expect(stored.map((point) => [point.time, point.values.v, point.metadata.n])).toEqual(
      Array.from({ length: 50 }, (_, i) => [msOf(ts + i), i, `n${i % 5}`]),
    );
  });

  it('sends a file of more than 5000 lines in several batches, all stored', async () => {
    const tenant = await createTenant(app());
    const lines = Array.from({ length: 5001 }, (_, i) => `many,n=n${i % 3} v=${i}i ${ts + i}`);
    const run = await runInfluxCli([
      ...connect(tenant.writeKey),
      '-import',
      '-path',
      importFile('many.txt', tenant.bucketId, lines),
      '-precision',
      's',
    ]);
    expect({ ...run, stdout: logged(run.stdout) }).toEqual({
      code: 0,
      stdout: 'Processed 0 commands\nProcessed 5001 inserts\nFailed 0 inserts\n',
      stderr: '',
    });
    const stored = await storedPoints(tenant.bucketId);
    expect(stored).toHaveLength(5001);
    expect(stored.map((point) => point.values.v)).toEqual(lines.map((_, i) => i));
  });

  it('with a bad line: the good lines are stored and the CLI prints the partial-write error', async () => {
    const tenant = await createTenant(app());
    const lines = [`mem,host=a used=1i ${ts}`, `mem used=oops ${ts + 1}`, `mem free=3.5 ${ts + 2}`];
    const run = await runInfluxCli([
      ...connect(tenant.writeKey),
      '-import',
      '-path',
      importFile('bad.txt', tenant.bucketId, lines),
      '-precision',
      's',
    ]);
    // The CLI counts the whole batch as not inserted and exits 1, as it does against InfluxDB 1.6.7,
    // which also stores the good lines of a partial write; it echoes the batch it sent.
    expect({ ...run, stderr: logged(run.stderr) }).toEqual({
      code: 1,
      stdout: '',
      stderr: [
        `error writing batch:  {"error":"partial write: unable to parse 'mem used=oops ${ts + 1}': invalid boolean dropped=1"}`,
        `mem,host=a used=1i ${ts}\n\nmem used=oops ${ts + 1}\n\nmem free=3.5 ${ts + 2}\n`,
        'ERROR: 3 points were not inserted\n',
      ].join('\n'),
    });
    expect(await storedPoints(tenant.bucketId)).toEqual([
      { measurement: 'mem', time: msOf(ts), values: { used: 1 }, metadata: { host: 'a' } },
      { measurement: 'mem', time: msOf(ts + 2), values: { free: 3.5 }, metadata: {} },
    ]);
  });

  it('with a bad key: prints authorization failed and stores nothing', async () => {
    const tenant = await createTenant(app());
    const before = await storedCounts();
    const file = importFile('key.txt', tenant.bucketId, [`mem v=1 ${ts}`]);
    const run = await runInfluxCli([...connect(`dakkio_w_${'C'.repeat(40)}`), '-import', '-path', file, '-precision', 's']);
    expect({ ...run, stderr: logged(run.stderr) }).toEqual({
      code: 1,
      stdout: '',
      stderr: `error writing batch:  {"error":"authorization failed"}\nmem v=1 ${ts}\n\nERROR: 1 point was not inserted\n`,
    });
    expect(await storedCounts()).toEqual(before);
  });
});
