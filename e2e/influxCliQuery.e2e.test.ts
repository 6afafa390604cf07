import { createBucket, createBucketKey, createOrganization, createTenant, objectId } from '../test/support/tenants';
import { useTestApp } from '../test/support/testApp';
import { runInfluxCli } from './support/influxCli';
import { type Influxd, startInfluxd } from './support/influxd';
import { awayFromBoundary } from './support/influxqlCompare';
import { storedPoints } from './support/storedPoints';

/**
 * Debian's `influx` 1.6.7 CLI (InfluxData's own client) querying dakkio's GET /query
 * (api.md §12) with `-execute`: what it prints, in its column, json and csv formats, must
 * be the answers computed here from the points written, and the same as it prints against
 * influxd 1.6.7 holding the same points. Against either server the CLI prints a statement's
 * error as `ERR: <error>` (and the error again on stderr) and exits 1.
 */

const app = useTestApp();
const appPort = () => new URL(app().http.get('/').url).port;

/** The CLI's connection flags; the key is the password, as the CLI sends it in Basic auth. */
const connect = (key: string, port = appPort()) => ['-host', '127.0.0.1', '-port', port, '-username', 'u', '-password', key];

const tenMinutes = 600_000;

interface Point {
  measurement: 'm' | 'n';
  host: string;
  v: number;
  /** Milliseconds since 1970. */
  t: number;
}

/**
 * Points in the four 10-minute intervals before the current one (epoch-aligned, as GROUP BY
 * time(10m) cuts them), at irregular offsets: all within the last hour for at least the
 * next 10 minutes. Values are multiples of 0.25 and intervals hold 1 or 2 points of a host, so
 * every mean is exact and reads the same however it is summed.
 */
function pointsBefore(now: number): Point[] {
  const current = Math.floor(now / tenMinutes) * tenMinutes;
  const start = (k: number) => current - k * tenMinutes;
  return [
    { measurement: 'm', host: 'a', v: 1.5, t: start(4) + 37_123 },
    { measurement: 'm', host: 'b', v: 2.25, t: start(4) + 412_456 },
    { measurement: 'm', host: 'a', v: 4, t: start(3) + 5_001 },
    { measurement: 'm', host: 'a', v: 5.5, t: start(3) + 599_000 },
    { measurement: 'm', host: 'b', v: -1.75, t: start(1) + 250_789 },
    { measurement: 'n', host: 'c', v: 10, t: start(2) + 60_000 },
  ];
}

const lineOf = (p: Point) => `${p.measurement},host=${p.host} v=${p.v},label="at ${p.host}" ${p.t}`;

/** What GROUP BY time(10m) of `time > now() - 1h` answers at `now`: every interval start, and the mean of the points of `m` (of `host`, if given) in it, else null. */
function meansBy10m(points: Point[], now: number, host?: string): [number, number | null][] {
  const rows: [number, number | null][] = [];
  for (let start = Math.floor((now - 3_600_000) / tenMinutes) * tenMinutes; start <= now; start += tenMinutes) {
    const inside = points.filter(
      (p) =>
        p.measurement === 'm' &&
        (host === undefined || p.host === host) &&
        p.t >= start &&
        p.t < start + tenMinutes &&
        p.t > now - 3_600_000,
    );
    rows.push([start, inside.length === 0 ? null : inside.reduce((sum, p) => sum + p.v, 0) / inside.length]);
  }
  return rows;
}

/**
 * The CLI's column format: a `name:` line (and `tags:` when grouped), then the columns laid
 * out as Go's tabwriter does (each but the last padded to its widest cell plus one space),
 * a dashed line under the headers; series separated by a blank line.
 */
function columnFormat(series: { name: string; tags?: string; columns: string[]; values: (string | number | null)[][] }[]): string {
  return `${series
    .map(({ name, tags, columns, values }) => {
      const rows = [
        columns,
        columns.map((column) => '-'.repeat(column.length)),
        ...values.map((row) => row.map((cell) => (cell === null ? '' : String(cell)))),
      ];
      const widths = columns.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
      const lines = rows.map((row) => row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]! + 1) : cell)).join(''));
      return [`name: ${name}`, ...(tags ? [`tags: ${tags}`] : []), ...lines].join('\n');
    })
    .join('\n\n')}\n`;
}

const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;

let db: string;
let bucketId: string;
let readKey: string;
let writeKey: string;
let points: Point[];

beforeAll(async () => {
  const organization = await createOrganization(app());
  db = `cli_${objectId()}`;
  bucketId = await createBucket(app(), organization.adminKey, db);
  writeKey = (await createBucketKey(app(), organization.adminKey, bucketId, 'write')).key;
  readKey = (await createBucketKey(app(), organization.adminKey, bucketId, 'read')).key;
  points = pointsBefore(Date.now());
  await app()
    .http.post(`/write?db=${db}&precision=ms`)
    .set('Authorization', `Token ${writeKey}`)
    .send(points.map(lineOf).join('\n'))
    .expect(204);
});

const query = (args: string[], key = readKey, database = db) => runInfluxCli([...connect(key), '-database', database, ...args]);

/** Runs a query relative to now() away from a 10-minute boundary; returns the run and the time just before it. */
async function queryNow(args: string[]) {
  await awayFromBoundary(tenMinutes);
  const now = Date.now();
  return { run: await query(args), now };
}

const meanQuery = 'SELECT mean("v") FROM "m" WHERE time > now() - 1h GROUP BY time(10m)';

describe('influx -execute against GET /query', () => {
  it('SELECT mean() GROUP BY time(10m): the column format, times in ns, an empty cell for an empty interval', async () => {
    const { run, now } = await queryNow(['-execute', meanQuery]);
    const rows = meansBy10m(points, now);
    expect(rows.filter(([, mean]) => mean !== null)).toHaveLength(3);
    expect(run).toEqual({
      code: 0,
      stdout: columnFormat([{ name: 'm', columns: ['time', 'mean'], values: rows.map(([t, mean]) => [ns(t), mean]) }]),
      stderr: '',
    });
  });

  it('GROUP BY time(10m), "host" fill(none): one table per host, with its tags line', async () => {
    const { run, now } = await queryNow(['-execute', `${meanQuery.replace('time(10m)', 'time(10m), "host"')} fill(none)`]);
    const series = ['a', 'b'].map((host) => ({
      name: 'm',
      tags: `host=${host}`,
      columns: ['time', 'mean'],
      values: meansBy10m(points, now, host)
        .filter(([, mean]) => mean !== null)
        .map(([t, mean]) => [ns(t), mean]),
    }));
    expect(series.map((one) => one.values.length)).toEqual([2, 2]);
    expect(run).toEqual({ code: 0, stdout: columnFormat(series), stderr: '' });
  });

  it('SHOW MEASUREMENTS, SHOW FIELD KEYS, SHOW TAG VALUES WITH KEY = "host"', async () => {
    expect(await query(['-execute', 'SHOW MEASUREMENTS'])).toEqual({
      code: 0,
      stdout: columnFormat([{ name: 'measurements', columns: ['name'], values: [['m'], ['n']] }]),
      stderr: '',
    });
    const fields = [
      ['label', 'string'],
      ['v', 'float'],
    ];
    expect(await query(['-execute', 'SHOW FIELD KEYS'])).toEqual({
      code: 0,
      stdout: columnFormat(['m', 'n'].map((name) => ({ name, columns: ['fieldKey', 'fieldType'], values: fields }))),
      stderr: '',
    });
    expect(await query(['-execute', 'SHOW TAG VALUES WITH KEY = "host"'])).toEqual({
      code: 0,
      stdout: columnFormat([
        {
          name: 'm',
          columns: ['key', 'value'],
          values: [
            ['host', 'a'],
            ['host', 'b'],
          ],
        },
        { name: 'n', columns: ['key', 'value'], values: [['host', 'c']] },
      ]),
      stderr: '',
    });
    // Without -database: the buckets the key may see, here its own.
    expect(await runInfluxCli([...connect(readKey), '-execute', 'SHOW DATABASES'])).toEqual({
      code: 0,
      stdout: columnFormat([{ name: 'databases', columns: ['name'], values: [[db]] }]),
      stderr: '',
    });
  });

  it('-format json: the results without statement_id, as the CLI decodes them; -precision ms and rfc3339', async () => {
    const { run, now } = await queryNow(['-format', 'json', '-execute', meanQuery]);
    const values = meansBy10m(points, now).map(([t, mean]) => [Number(ns(t)), mean]);
    // Interval starts are multiples of 10 minutes: their nanoseconds are exact doubles, so JSON.parse keeps them.
    expect(values.every(([t]) => BigInt(t!) === BigInt(ns(Number(t) / 1e6)))).toBe(true);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`${JSON.stringify({ results: [{ series: [{ name: 'm', columns: ['time', 'mean'], values }] }] })}\n`);

    const raw = await query(['-format', 'json', '-precision', 'ms', '-execute', 'SELECT "v", "host" FROM "m" WHERE "host" = \'a\'']);
    const ofA = points.filter((p) => p.measurement === 'm' && p.host === 'a');
    expect(raw).toEqual({
      code: 0,
      stdout: `${JSON.stringify({ results: [{ series: [{ name: 'm', columns: ['time', 'v', 'host'], values: ofA.map((p) => [p.t, p.v, 'a']) }] }] })}\n`,
      stderr: '',
    });

    const pretty = await query(['-format', 'json', '-pretty', '-precision', 'rfc3339', '-execute', 'SELECT * FROM "n"']);
    const [onN] = points.filter((p) => p.measurement === 'n');
    expect(pretty.code).toBe(0);
    expect(pretty.stdout).toBe(
      `${JSON.stringify(
        {
          results: [
            {
              series: [
                {
                  name: 'n',
                  columns: ['time', 'host', 'label', 'v'],
                  values: [[new Date(onN!.t).toISOString().replace(/\.?0+Z$/, 'Z'), 'c', 'at c', onN!.v]],
                },
              ],
            },
          ],
        },
        null,
        4,
      )}\n`,
    );
  });

  it('-format csv: name (and tags) on every row, a header per series, several statements in turn', async () => {
    const { run, now } = await queryNow(['-format', 'csv', '-execute', meanQuery.replace('time(10m)', 'time(10m), "host"')]);
    const csv = ['a', 'b']
      .flatMap((host) => [
        'name,tags,time,mean',
        ...meansBy10m(points, now, host).map(([t, mean]) => `m,host=${host},${ns(t)},${mean ?? ''}`),
      ])
      .join('\n');
    expect(run).toEqual({ code: 0, stdout: `${csv}\n`, stderr: '' });

    const two = await query([
      '-format',
      'csv',
      '-precision',
      'ms',
      '-execute',
      'SHOW TAG VALUES FROM "m" WITH KEY = "host"; SELECT * FROM "m"',
    ]);
    const rows = points.filter((p) => p.measurement === 'm').map((p) => `m,${p.t},${p.host},at ${p.host},${p.v}`);
    expect(two).toEqual({
      code: 0,
      stdout: `${['name,key,value', 'm,host,a', 'm,host,b', 'name,time,host,label,v', ...rows].join('\n')}\n`,
      stderr: '',
    });
  });

  it('a write key may query too', async () => {
    expect(await query(['-execute', 'SHOW MEASUREMENTS'], writeKey)).toEqual({
      code: 0,
      stdout: columnFormat([{ name: 'measurements', columns: ['name'], values: [['m'], ['n']] }]),
      stderr: '',
    });
  });
});

describe('influx -execute: errors', () => {
  it('a statement outside the subset (DROP MEASUREMENT): the error printed, exit 1, nothing dropped', async () => {
    const error = 'error parsing query: found DROP, expected SELECT, SHOW at line 1, char 1';
    expect(await query(['-execute', 'DROP MEASUREMENT m'])).toEqual({ code: 1, stdout: `ERR: ${error}\n`, stderr: `${error}\n` });
    expect(await storedPoints(bucketId)).toHaveLength(points.length);
  });

  it('a statement that does not parse: InfluxDB’s parse error with its position', async () => {
    const error = 'error parsing query: found EOF, expected identifier at line 1, char 18';
    expect(await query(['-execute', 'SELECT nope FROM'])).toEqual({ code: 1, stdout: `ERR: ${error}\n`, stderr: `${error}\n` });
  });

  it('a bad password or an unknown key: authorization failed', async () => {
    const failed = { code: 1, stdout: 'ERR: authorization failed\n', stderr: 'authorization failed\n' };
    expect(await query(['-execute', 'SHOW MEASUREMENTS'], 'not-a-key')).toEqual(failed);
    expect(await query(['-execute', 'SHOW MEASUREMENTS'], `dakkio_r_${'A'.repeat(40)}`)).toEqual(failed);
  });

  it('a bucket the key cannot see, or none of that name: Bucket not found (influxd answers nothing there)', async () => {
    const other = await createTenant(app());
    const notFound = { code: 1, stdout: 'ERR: Bucket not found\n', stderr: 'Bucket not found\n' };
    expect(await query(['-execute', 'SHOW MEASUREMENTS'], readKey, other.bucketId)).toEqual(notFound);
    expect(await query(['-execute', 'SHOW MEASUREMENTS'], readKey, 'nope')).toEqual(notFound);
  });
});

describe('the same CLI commands against influxd 1.6.7 holding the same points', () => {
  let influx: Influxd;
  beforeAll(async () => {
    influx = await startInfluxd();
    expect(await influx.write(db, points.map(lineOf).join('\n'), 'ms')).toEqual({ status: 204, body: '' });
  }, 30_000);
  afterAll(() => influx?.stop());

  it('prints exactly what it prints against dakkio', async () => {
    const influxPort = new URL(influx.url).port;
    const commands: string[][] = [
      ['-execute', meanQuery],
      ['-execute', `${meanQuery.replace('time(10m)', 'time(10m), "host"')} fill(previous)`],
      ['-format', 'json', '-execute', `${meanQuery} fill(0)`],
      ['-format', 'json', '-precision', 'ms', '-execute', `${meanQuery.replace('time(10m)', 'time(10m), "host"')} fill(none)`],
      ['-format', 'csv', '-execute', meanQuery.replace('time(10m)', 'time(10m), "host"')],
      ['-precision', 'rfc3339', '-execute', 'SELECT * FROM "m"'],
      ['-format', 'csv', '-precision', 's', '-execute', 'SELECT "v" FROM "m" WHERE time > now() - 1h ORDER BY time DESC LIMIT 2'],
      [
        '-format',
        'json',
        '-pretty',
        '-precision',
        'ms',
        '-execute',
        'SELECT count("v"), sum("v"), min("v"), max("v"), first("label") FROM "m" GROUP BY "host"',
      ],
      ['-execute', 'SHOW MEASUREMENTS'],
      ['-execute', 'SHOW FIELD KEYS'],
      ['-execute', 'SHOW TAG KEYS'],
      ['-execute', 'SHOW TAG VALUES WITH KEY = "host"'],
      ['-format', 'csv', '-execute', 'SHOW TAG VALUES FROM "m" WITH KEY IN ("host"); SHOW MEASUREMENTS LIMIT 1'],
      ['-execute', 'SHOW DATABASES'],
      ['-execute', 'SELECT nope FROM'],
      ['-execute', 'SELECT mean("label") FROM "m"'],
    ];
    const differ: string[] = [];
    const chunked: string[] = [];
    for (const args of commands) {
      await awayFromBoundary(tenMinutes);
      const [ours, theirs] = await Promise.all([
        runInfluxCli([...connect(readKey), '-database', db, ...args]),
        runInfluxCli([...connect(readKey, influxPort), '-database', db, ...args]),
      ]);
      if (JSON.stringify(ours) === JSON.stringify(theirs)) continue;
      // The one difference allowed: the CLI asks for chunked=true, which dakkio passes over (src/modules/influxql/schemas.ts).
      // influxd then streams a chunk per series, which the CLI's json format prints as a result each; dakkio's one result holds
      // them all. So for one statement, dakkio's output must be influxd's with its results' series put together in one result.
      if (args.includes('json') && ours.code === theirs.code && ours.stderr === theirs.stderr) {
        const results = JSON.parse(theirs.stdout).results as { series: unknown[] }[];
        const merged = { results: [{ series: results.flatMap((result) => result.series) }] };
        if (results.length > 1 && ours.stdout === `${JSON.stringify(merged, null, args.includes('-pretty') ? 4 : undefined)}\n`) {
          chunked.push(args.join(' '));
          continue;
        }
      }
      differ.push(`${args.join(' ')}\n  dakkio:  ${JSON.stringify(ours)}\n  influxd: ${JSON.stringify(theirs)}`);
    }
    console.log(
      `influx CLI against dakkio and influxd: ${commands.length} commands compared, ${commands.length - chunked.length - differ.length} agreed, ` +
        `${chunked.length} allowed differences (chunked: ${chunked.join(' | ')}), ${differ.length} disagreements`,
    );
    expect(differ).toEqual([]);
    expect(chunked).toEqual(
      commands.filter((args) => args.includes('json') && args.join(' ').includes('"host"')).map((args) => args.join(' ')),
    );
  });
});
