import { createTenant } from '../test/support/tenants';
import { useTestApp } from '../test/support/testApp';
import { type Influxd, startInfluxd } from './support/influxd';
import { storedPoints } from './support/storedPoints';

/**
 * The same line-protocol bodies written to a real InfluxDB 1.6.7 (Debian's influxd) and to
 * dakkio's POST /write, with the same precision: which lines each accepted, and what each
 * reads back (measurement, time, tags, fields with values), must agree line by line, except
 * where dakkio differs on purpose — each such difference is named in `allowedDifferences`
 * with its reason, and a line is let through only if its difference is the one named.
 *
 * InfluxDB 1.6.7 answers a body holding a field type conflict by refusing the WHOLE body
 * (400 {"error":"field type conflict"}, nothing stored; the first test shows it), where
 * dakkio stores every good line. So InfluxDB gets each line as a request of its own, in
 * order: that is InfluxDB's per-line verdict, conflicts against earlier lines included.
 * dakkio gets each body whole, as a client would send it, and its 400's partial-write body
 * says which lines it refused. Lines both refuse must be refused for the same reason, in
 * the same words (dakkio calls floats and integers `number` in conflict messages).
 *
 * Differences that show only in whole bodies have tests of their own below: `dropped=`, a
 * newline inside a quoted string, and precision=us.
 */

const app = useTestApp();
let influx: Influxd;
beforeAll(async () => {
  influx = await startInfluxd();
});
afterAll(() => influx?.stop());

type Fields = Record<string, string | number | boolean>;
interface Row {
  measurement: string;
  tags: Record<string, string>;
  fields: Fields;
  /** Milliseconds since 1970 (InfluxDB's nanoseconds floored). */
  ms: number;
  /** Nanoseconds below the millisecond, which dakkio does not keep (InfluxDB only). */
  subMs: bigint;
}

/** A line's verdict: stored, or refused with the reason given. */
type Outcome = { stored: true } | { stored: false; reason: string };

interface LineResult {
  caseName: string;
  line: string;
  influx: Outcome;
  dakkio: Outcome;
  /** Rows at this line's millisecond on each side (every line of a case has its own, except where a case means otherwise). */
  influxRows: Row[];
  dakkioRows: Row[];
}

interface AllowedDifference {
  name: string;
  reason: string;
  /** True when `result` differs from InfluxDB exactly in the way this entry names. */
  explains: (result: LineResult) => boolean;
}

const refusedBy = (outcome: Outcome, pattern: RegExp) => !outcome.stored && pattern.test(outcome.reason);
const schemaFieldName = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const metadataKey = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const canonical = (rows: Row[]) =>
  rows
    .map((row) =>
      JSON.stringify([
        row.measurement,
        row.ms,
        Object.entries(row.tags).sort(),
        Object.entries(row.fields).sort(([a], [b]) => (a < b ? -1 : 1)),
      ]),
    )
    .sort();
const sameRows = (a: Row[], b: Row[]) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
const influxOnly = (result: LineResult) => result.influx.stored && !result.dakkio.stored;

/** Where dakkio differs from InfluxDB 1.6.7 on purpose (api.md §12), each with why. */
const allowedDifferences: AllowedDifference[] = [
  {
    name: 'integers and floats are one type',
    reason: 'dakkio fields are `number`: `v=1i` then `v=1.5` is no conflict; InfluxDB refuses the second',
    explains: (r) =>
      refusedBy(r.influx, /field type conflict: .* is type (integer|float), already exists as type (integer|float)/) &&
      r.dakkio.stored &&
      r.dakkioRows.length === 1,
  },
  {
    name: 'no time before 1970',
    reason: 'dakkio takes the times POST /api/data takes: none before 1970-01-01',
    explains: (r) => influxOnly(r) && refusedBy(r.dakkio, /^timestamp before 1970-01-01T00:00:00Z/),
  },
  {
    name: 'no time more than 1 h ahead',
    reason: 'dakkio takes the times POST /api/data takes: at most 1 hour in the future',
    explains: (r) => influxOnly(r) && refusedBy(r.dakkio, /^timestamp more than 1 hour in the future$/),
  },
  {
    name: 'tag keys are metadata keys',
    reason: 'tags become metadata, whose keys are ^[A-Za-z_][A-Za-z0-9_-]{0,63}$',
    explains: (r) => {
      const key = !r.dakkio.stored && /^tag key "(.*)" is not a metadata key /.exec(r.dakkio.reason)?.[1];
      return influxOnly(r) && typeof key === 'string' && !metadataKey.test(key);
    },
  },
  {
    name: 'field keys are schema field names',
    reason: 'fields become data source schema fields, whose names are ^[A-Za-z_][A-Za-z0-9_]{0,63}$',
    explains: (r) => {
      if (!influxOnly(r) || r.dakkio.stored) return false;
      if (r.dakkio.reason === 'no field name can be a data source field (1-64 letters, digits or _)') return true;
      const field = /^field name "(.*)" cannot be a data source field /.exec(r.dakkio.reason)?.[1];
      return typeof field === 'string' && !schemaFieldName.test(field);
    },
  },
  {
    name: 'milliseconds',
    reason: 'dakkio stores times in milliseconds (MongoDB dates): finer precision is truncated',
    explains: (r) =>
      r.influx.stored && r.dakkio.stored && r.influxRows.some((row) => row.subMs !== 0n) && sameRows(r.influxRows, r.dakkioRows),
  },
  {
    name: 'u integers',
    reason: 'dakkio takes unsigned integers (InfluxDB 2 line protocol) as `number`; 1.6 refuses them as "invalid number"',
    explains: (r) => refusedBy(r.influx, /^invalid number$/) && /=\d+u( |,|$)/.test(r.line) && r.dakkio.stored,
  },
  {
    name: 'CRLF',
    reason: 'dakkio strips a trailing \\r (Windows tools send CRLF); 1.6 refuses the line',
    explains: (r) => !r.influx.stored && r.line.endsWith('\r') && r.dakkio.stored,
  },
  {
    name: 'integers beyond ±(2^53−1)',
    reason: 'a double cannot hold them exactly, and dakkio stores numbers as doubles',
    explains: (r) => influxOnly(r) && refusedBy(r.dakkio, /is beyond ±\(2\^53−1\)/),
  },
  {
    name: 'strings up to 1024 characters',
    reason: 'dakkio’s string field limit (POST /api/data’s); InfluxDB 1.6 takes 64 KiB',
    explains: (r) => influxOnly(r) && refusedBy(r.dakkio, /^field "[^"]+": Expected a string$/) && /="[^"]{1025,}"/.test(r.line),
  },
  // Also POST /api/data's rules, which tags and fields meet on their way in (api.md §12 does not list them).
  {
    name: 'tag values up to 256 characters',
    reason: 'tags become metadata, whose string values are at most 256 characters',
    explains: (r) => influxOnly(r) && refusedBy(r.dakkio, /^tag "[^"]+": values are at most 256 characters$/),
  },
  {
    name: 'at most 32 tags',
    reason: 'tags become metadata, which holds at most 32 keys',
    explains: (r) => influxOnly(r) && refusedBy(r.dakkio, /^tags: at most 32 metadata keys$/),
  },
  {
    name: 'measurement names up to 100 characters',
    reason: 'a measurement is a data source, whose name is 1-100 characters',
    explains: (r) =>
      influxOnly(r) &&
      refusedBy(r.dakkio, /^measurement name cannot be a data source name \(1-100 characters\)$/) &&
      (/^(?:[^\\ ,]|\\.)*/.exec(r.line)?.[0].length ?? 0) > 100,
  },
  {
    name: 'numbers within ±1e300',
    reason: 'beyond, a sum or mean in the database could overflow to Infinity, which JSON cannot carry',
    explains: (r) => influxOnly(r) && refusedBy(r.dakkio, /^field "[^"]+": Must be between -1e300 and 1e300$/),
  },
  {
    name: 'a point per line',
    reason: 'InfluxDB overwrites a point of the same series and time (merging fields); dakkio inserts every line (api.md: no upsert)',
    explains: (r) => {
      if (!r.influx.stored || !r.dakkio.stored || r.dakkioRows.length <= r.influxRows.length) return false;
      // Merging dakkio's rows of each series, in order, must give InfluxDB's.
      const merged = new Map<string, Row>();
      for (const row of r.dakkioRows) {
        const series = JSON.stringify([row.measurement, Object.entries(row.tags).sort()]);
        const before = merged.get(series);
        merged.set(series, { ...row, fields: { ...before?.fields, ...row.fields } });
      }
      return sameRows([...merged.values()], r.influxRows);
    },
  },
];

const base = Date.UTC(2026, 0, 2, 3, 4, 5);
/** The timestamp `i` seconds after `base`, written in `precision` (1.x names). */
function at(i: number, precision = 'ns'): string {
  const ms = BigInt(base + i * 1000);
  switch (precision) {
    case 'ns':
    case 'n':
      return `${ms * 1_000_000n}`;
    case 'u':
      return `${ms * 1000n}`;
    case 'ms':
      return `${ms}`;
    case 's':
      return `${ms / 1000n}`;
    default:
      throw new Error(`at(): no precision ${precision}`);
  }
}

interface Case {
  name: string;
  precision: string;
  /** Bodies written one after another to the same database and bucket. */
  bodies: string[][];
}

/** The timestamp a line ends with, in ms, for the rows it may have stored; null for blank, comment and timeless lines. */
function msOfLine(line: string, precision: string): number | null {
  const ts = /\s(-?\d+)\r?$/.exec(line)?.[1];
  if (!ts || /^\s*(#|$)/.test(line)) return null;
  const perMs: Record<string, bigint> = { ns: 1_000_000n, n: 1_000_000n, u: 1000n };
  const timestamp = BigInt(ts);
  const divisor = perMs[precision];
  if (divisor) return Number(timestamp / divisor - (timestamp % divisor < 0n ? 1n : 0n));
  const times: Record<string, bigint> = { ms: 1n, s: 1000n, m: 60_000n, h: 3_600_000n };
  return Number(timestamp * (times[precision] ?? 1n));
}

const isLine = (line: string) => !/^\s*(#.*)?\r?$/.test(line);

/** InfluxDB's reason for refusing a line sent alone: what follows "unable to parse '…': " or "partial write: ". */
function influxOutcome(answer: { status: number; body: string }): Outcome {
  if (answer.status === 204) return { stored: true };
  const error = (JSON.parse(answer.body) as { error: string }).error;
  const parse = /^unable to parse '[\s\S]*?': ([\s\S]*)$/.exec(error);
  if (parse) return { stored: false, reason: parse[1]! };
  const partial = /^partial write: ([\s\S]*) dropped=\d+$/.exec(error);
  return { stored: false, reason: partial ? partial[1]! : `${answer.status} ${error}` };
}

/**
 * dakkio's verdict on each line of a body, from its answer: 204 stores all; a 400 quotes
 * each refused line (without its leading blanks), in line order, as `unable to parse '<line>': <reason>`.
 */
function dakkioOutcomes(lines: string[], answer: { status: number; body: { error?: string } }): Outcome[] {
  if (answer.status === 204) return lines.map(() => ({ stored: true }));
  if (answer.status !== 400 || typeof answer.body.error !== 'string')
    throw new Error(`dakkio answered ${answer.status} ${JSON.stringify(answer.body)}`);
  const error = answer.body.error.replace(/^partial write: /, '');
  const entries = error.replace(/ dropped=\d+$/, '').split(/\n(?=unable to parse ')/);
  const outcomes: Outcome[] = [];
  let next = 0;
  for (const line of lines) {
    const quoted = `unable to parse '${line.replace(/\r$/, '').trimStart()}': `;
    if (isLine(line) && entries[next]?.startsWith(quoted)) {
      outcomes.push({ stored: false, reason: entries[next]!.slice(quoted.length) });
      next += 1;
    } else outcomes.push({ stored: true });
  }
  if (next !== entries.length) throw new Error(`dakkio refused lines this test could not place: ${JSON.stringify(entries.slice(next))}`);
  const refused = outcomes.filter((outcome) => !outcome.stored).length;
  // "partial write:" exactly when some line was stored; dropped= counts the refused lines.
  const storedAny = outcomes.some((outcome, i) => outcome.stored && isLine(lines[i]!));
  expect(answer.body.error.startsWith('partial write: ')).toBe(storedAny);
  expect(answer.body.error).toMatch(new RegExp(` dropped=${refused}$`));
  return outcomes;
}

/** InfluxQL's double-quoted identifier. */
const identifier = (name: string) => `"${name.replace(/[\\"]/g, '\\$&')}"`;

/** A query with times as RFC 3339 strings: epoch=ns numbers lose nanoseconds in JSON's doubles. */
async function rfc3339Query(db: string, q: string) {
  const res = await fetch(`${influx.url}/query?${new URLSearchParams({ db, q })}`, { method: 'POST' });
  return ((await res.json()) as { results: any[] }).results[0];
}

/** Nanoseconds since 1970 of an RFC 3339 time as InfluxDB writes it (up to 9 fraction digits, Z). */
function nanosOf(time: string): bigint {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(time);
  if (!match) throw new Error(`influxd time ${time}`);
  return BigInt(Date.parse(`${match[1]}Z`)) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

/**
 * Every point InfluxDB holds in `db`, one measurement at a time (a regex FROM would give fields of the same name in several measurements one column, nulling the values of
 * another type), with tags and fields apart (GROUP BY *).
 */
async function influxRows(db: string): Promise<Row[]> {
  const shown = await rfc3339Query(db, 'SHOW MEASUREMENTS');
  const names = ((shown.series?.[0]?.values ?? []) as string[][]).map(([name]) => name!);
  const rows: Row[] = [];
  for (const name of names) {
    const result = await rfc3339Query(db, `SELECT * FROM ${identifier(name)} GROUP BY *`);
    if (result.error || !result.series) throw new Error(`influxd: ${name}: ${result.error ?? 'no rows'}`);
    for (const series of result.series) {
      const tags = Object.fromEntries(Object.entries((series.tags ?? {}) as Record<string, string>).filter(([, value]) => value !== ''));
      for (const values of series.values as unknown[][]) {
        const fields: Fields = {};
        series.columns.forEach((column: string, i: number) => {
          if (i > 0 && values[i] !== null) fields[column] = values[i] as string | number | boolean;
        });
        const ns = nanosOf(values[0] as string);
        const subMs = ((ns % 1_000_000n) + 1_000_000n) % 1_000_000n;
        rows.push({ measurement: series.name, tags, fields, ms: Number((ns - subMs) / 1_000_000n), subMs });
      }
    }
  }
  return rows;
}

async function dakkioRows(bucketId: string): Promise<Row[]> {
  return (await storedPoints(bucketId)).map((point) => ({
    measurement: point.measurement,
    tags: point.metadata as Record<string, string>,
    fields: point.values as Fields,
    ms: point.time,
    subMs: 0n,
  }));
}

/** Writes a case to both and pairs each line's verdicts and rows. */
async function runCase(testCase: Case, precision = testCase.precision): Promise<LineResult[]> {
  const db = testCase.name.replace(/[^A-Za-z0-9]/g, '_');
  const tenant = await createTenant(app());
  const results: Omit<LineResult, 'influxRows' | 'dakkioRows'>[] = [];
  for (const body of testCase.bodies) {
    const influxVerdicts: Outcome[] = [];
    for (const line of body) influxVerdicts.push(isLine(line) ? influxOutcome(await influx.write(db, line, precision)) : { stored: true });
    const res = await app()
      .http.post(`/write?db=${tenant.bucketId}&precision=${precision}`)
      .set('Authorization', `Token ${tenant.writeKey}`)
      .send(body.join('\n'));
    const dakkioVerdicts = dakkioOutcomes(body, { status: res.status, body: res.body });
    body.forEach((line, i) => {
      if (isLine(line)) results.push({ caseName: testCase.name, line, influx: influxVerdicts[i]!, dakkio: dakkioVerdicts[i]! });
    });
  }
  const [theirs, ours] = [await influxRows(db), await dakkioRows(tenant.bucketId)];
  const msOf = new Map(results.map((result) => [result, msOfLine(result.line, precision)]));
  const claimed = new Set(msOf.values());
  const unclaimed = [...theirs, ...ours].filter((row) => !claimed.has(row.ms));
  if (unclaimed.length > 0) throw new Error(`${testCase.name}: rows at no line's time: ${JSON.stringify(canonical(unclaimed))}`);
  return results.map((result) => {
    const ms = msOf.get(result);
    return {
      ...result,
      influxRows: theirs.filter((row) => row.ms === ms),
      dakkioRows: ours.filter((row) => row.ms === ms),
    };
  });
}

interface Tally {
  compared: number;
  agreed: number;
  /** Lines both refused as unparsable whose reasons read differently. */
  reasonsDiffer: string[];
  allowed: Map<string, string[]>;
  disagreements: string[];
}

function judge(results: LineResult[], tally: Tally) {
  for (const result of results) {
    tally.compared += 1;
    const acceptanceAgrees = result.influx.stored === result.dakkio.stored;
    const rowsAgree = sameRows(result.influxRows, result.dakkioRows) && result.influxRows.every((row) => row.subMs === 0n);
    if (acceptanceAgrees && rowsAgree) {
      tally.agreed += 1;
      // dakkio names its one numeric type in conflicts: "already exists as type number".
      const theirs = result.influx.stored ? '' : result.influx.reason.replace(/(already exists as type) (float|integer)$/, '$1 number');
      if (!result.influx.stored && !result.dakkio.stored && theirs !== result.dakkio.reason)
        tally.reasonsDiffer.push(
          `${result.caseName}: ${JSON.stringify(result.line)}: influxd "${result.influx.reason}", dakkio "${result.dakkio.reason}"`,
        );
      continue;
    }
    const allowance = allowedDifferences.find((difference) => difference.explains(result));
    const text = result.line.length > 100 ? `${result.line.slice(0, 60)}…(${result.line.length} chars)` : result.line;
    const shown = `${result.caseName}: ${JSON.stringify(text)}`;
    if (allowance) tally.allowed.set(allowance.name, [...(tally.allowed.get(allowance.name) ?? []), shown]);
    else
      tally.disagreements.push(
        `${shown}: influxd ${JSON.stringify(result.influx)} ${JSON.stringify(canonical(result.influxRows))}; ` +
          `dakkio ${JSON.stringify(result.dakkio)} ${JSON.stringify(canonical(result.dakkioRows))}`,
      );
  }
}

const long = 'x'.repeat(1025);
const cases: Case[] = [
  {
    name: 'valid',
    precision: 'ns',
    bodies: [
      [
        `cpu value=1 ${at(0)}`,
        `cpu,host=a,region=eu-west value=1.5,count=3i,ok=true,label="hi there" ${at(1)}`,
        '# a comment',
        '',
        `  lead value=1 ${at(2)}`,
        `gap  value=1  ${at(3)}`,
        `nums a=-1.5e3,b=1E-2,c=.5,d=5.,e=0,f=-0i,g=9007199254740991i ${at(4)}`,
        `bools a=t,b=T,c=true,d=True,e=TRUE,f=f,g=F,h=false,i=False,j=FALSE ${at(5)}`,
        `dup v=1,v=2 ${at(6)}`,
        `mem,host=b used=2i,free=3.25 ${at(7)}`,
        `mem,host=a,zone=z1 used=3i ${at(8)}`,
        `cpu value=2 ${at(9)}`,
      ],
    ],
  },
  {
    name: 'escaped',
    precision: 'ns',
    bodies: [
      [
        `my\\ meas\\,x,site=v\\ a\\,b\\=c v=1 ${at(0)}`,
        `weird,tag="quoted" v=1 ${at(1)}`,
        `str s="with space, comma=equals",t="q\\"uote\\\\d",u="a\\b",w="back\\\\" ${at(2)}`,
        `str s="tab\tand \\n not a newline" ${at(3)}`,
        `esc\\=eq v=1 ${at(4)}`,
        `m,t\\ k\\=y=v v=1 ${at(5)}`,
        `m f\\=x="v" ${at(6)}`,
        `m,k\\,x=1 v=1 ${at(7)}`,
        `m f\\ x=1 ${at(8)}`,
        `m,tag=p\\\\q v=2 ${at(9)}`,
        `m,tag=\\ lead v=3 ${at(10)}`,
        `m,ok=1,tag=\\,\\=\\  v=4 ${at(11)}`,
        `m s="emoji ✓ ünï" ${at(12)}`,
        `quo\\"te v=1 ${at(13)}`,
        `m,tag=a\\"b v=5 ${at(14)}`,
      ],
    ],
  },
  {
    name: 'partial',
    precision: 'ns',
    bodies: [
      [
        `good v=1 ${at(0)}`,
        'nofields',
        `good,host= v=2 ${at(1)}`,
        `good,host v=3 ${at(2)}`,
        `good v= ${at(3)}`,
        `good v=NaN ${at(4)}`,
        `good v=1.2.3 ${at(5)}`,
        `good v=yes ${at(6)}`,
        `good v="unclosed ${at(7)}`,
        `good v=9223372036854775808i ${at(8)}`,
        `good v=1 1.5`,
        `,host=a v=1 ${at(9)}`,
        `good v=1, ${at(10)}`,
        `good =1 ${at(11)}`,
        `good v=4 ${at(12)}`,
        'good v=5 99999999999999999999',
        `good v=6 ${at(13)}`,
      ],
      ['garbage', 'more garbage=', `  # only comments and bad lines`],
    ],
  },
  {
    name: 'conflicts',
    precision: 'ns',
    bodies: [
      [`c num=1,str="a",flag=true,int=1i ${at(0)}`],
      [
        `c num="text" ${at(1)}`,
        `c str=1 ${at(2)}`,
        `c flag=1i ${at(3)}`,
        `c int=1.5 ${at(4)}`,
        `c num=2i ${at(5)}`,
        `c str="b",flag=false ${at(6)}`,
        `c num=true ${at(7)}`,
        `c num=3,str=2 ${at(8)}`,
      ],
      // Within one body: the first line decides a new field's type.
      [
        `d x=1 ${at(10)}`,
        `d x="a" ${at(11)}`,
        `d x=2 ${at(12)}`,
        `d y=1i ${at(13)}`,
        `d y=1.5 ${at(14)}`,
        `d z="s" ${at(15)}`,
        `d z=F ${at(16)}`,
      ],
    ],
  },
  {
    name: 'seconds',
    precision: 's',
    bodies: [[`p,u=s v=1 ${at(0, 's')}`, `p,u=s v=2 ${at(1, 's')}`, `p,u=s v=3 ${at(2, 's')}`]],
  },
  {
    name: 'millis',
    precision: 'ms',
    bodies: [[`p v=1 ${at(0, 'ms')}`, `p v=2 ${Number(at(1, 'ms')) + 7}`]],
  },
  {
    name: 'micros',
    precision: 'u',
    bodies: [[`p v=1 ${at(0, 'u')}`, `p v=2 ${BigInt(at(1, 'u')) + 123n}`]],
  },
  {
    name: 'nanos',
    precision: 'n',
    bodies: [[`p v=1 ${at(0)}`, `p v=2 ${BigInt(at(1)) + 999_999n}`, `p v=3 ${BigInt(at(2)) + 1n}`]],
  },
  {
    name: 'minutes',
    precision: 'm',
    bodies: [[`p v=1 ${Math.floor(base / 60_000)}`, `p v=2 ${Math.floor(base / 60_000) + 1}`]],
  },
  {
    name: 'hours',
    precision: 'h',
    bodies: [[`p v=1 ${Math.floor(base / 3_600_000)}`, `p v=2 ${Math.floor(base / 3_600_000) - 1}`]],
  },
  {
    name: 'dakkio limits',
    precision: 'ns',
    bodies: [
      [
        `lim v=1 ${BigInt(at(0)) + 123_456n}`,
        `lim v=2 -1000000000`,
        `lim v=3 ${(BigInt(Date.now()) + 7_200_000n) * 1_000_000n}`,
        `lim,bad\\ key=x v=4 ${at(1)}`,
        `lim,1st=x v=5 ${at(2)}`,
        `lim bad-name=6 ${at(3)}`,
        `lim v=7u ${at(4)}`,
        `lim v=8 ${at(12)}\r`,
        `lim big=9007199254740992i ${at(5)}`,
        `lim big=-9007199254740992i ${at(6)}`,
        `lim big=9007199254740991i ${at(26)}`,
        `lim s="${long}" ${at(7)}`,
        `lim s="${'y'.repeat(1024)}" ${at(8)}`,
        `lim v=10 ${at(9)}`,
        `lim v=11 ${at(9)}`,
        `lim w=12 ${at(9)}`,
        `lim,crlf=yes v=12,s="crlf" ${at(10)}\r`,
        `new\\ m 1x=1 ${at(11)}`,
        `lim,long=${'t'.repeat(256)} v=13 ${at(13)}`,
        `lim,long=${'t'.repeat(257)} v=14 ${at(14)}`,
        `${'m'.repeat(100)} v=15 ${at(15)}`,
        `${'m'.repeat(101)} v=16 ${at(16)}`,
        `lim v=1e300 ${at(17)}`,
        `lim v=1e301 ${at(18)}`,
        `lim,${Array.from({ length: 32 }, (_, i) => `t${i}=x`).join(',')} v=19 ${at(19)}`,
        `lim,${Array.from({ length: 33 }, (_, i) => `t${i}=x`).join(',')} v=20 ${at(20)}`,
        `lim s="" ${at(21)}`,
        `lim,v=tag v=22 ${at(22)}`,
        `\\ lead v=23 ${at(23)}`,
        `trail\\  v=24 ${at(24)}`,
        `Lim v=25 ${at(25)}`,
      ],
    ],
  },
];

describe('POST /write against InfluxDB 1.6.7 (influxd)', () => {
  it('InfluxDB 1.6.7 refuses a whole body with a type conflict, which is why it gets the lines one at a time', async () => {
    const answer = await influx.write('batch', `b v=1 ${at(0)}\nb v="x" ${at(1)}\nb v=2 ${at(2)}`);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error: 'field type conflict' });
    expect(await influx.query('batch', 'SELECT * FROM b')).toEqual({ results: [{ statement_id: 0 }] });
  });

  it('accepts the same lines and reads back the same points, but for the differences it names', async () => {
    const tally: Tally = { compared: 0, agreed: 0, reasonsDiffer: [], allowed: new Map(), disagreements: [] };
    for (const testCase of cases) judge(await runCase(testCase), tally);
    const allowedCount = [...tally.allowed.values()].reduce((sum, lines) => sum + lines.length, 0);
    console.log(
      [
        `influx write differential: ${tally.compared} lines compared, ${tally.agreed} agreed, ${allowedCount} allowed differences, ${tally.disagreements.length} disagreements`,
        ...[...tally.allowed].map(([name, lines]) => `  allowed "${name}" (${lines.length}): ${lines.join(' | ')}`),
        ...tally.disagreements.map((line) => `  DISAGREE ${line}`),
        ...tally.reasonsDiffer.map((line) => `  REASON ${line}`),
      ].join('\n'),
    );
    expect(tally.disagreements).toEqual([]);
    expect(tally.reasonsDiffer).toEqual([]);
    // Pinned, so that a line that starts or stops agreeing is noticed, and every allowance is shown to be needed.
    expect([tally.compared, tally.agreed]).toEqual([105, 75]);
    expect(Object.fromEntries([...tally.allowed].map(([name, lines]) => [name, lines.length]))).toEqual({
      'integers and floats are one type': 3,
      'no time before 1970': 1,
      'no time more than 1 h ahead': 1,
      'tag keys are metadata keys': 4,
      'field keys are schema field names': 4,
      milliseconds: 4,
      'u integers': 1,
      CRLF: 2,
      'integers beyond ±(2^53−1)': 2,
      'strings up to 1024 characters': 1,
      'tag values up to 256 characters': 1,
      'at most 32 tags': 1,
      'measurement names up to 100 characters': 1,
      'numbers within ±1e300': 1,
      'a point per line': 3,
    });
    expect(allowedDifferences.map((difference) => difference.name).filter((name) => !tally.allowed.has(name))).toEqual([]);
  });

  it('answers a body with bad lines in InfluxDB’s words and stores what InfluxDB stores, but counts dropped= differently', async () => {
    // The partial case's first body, whole, without its unclosed quote (see the next test).
    const body = cases[2]!.bodies[0]!.filter((line) => !line.includes('"unclosed')).join('\n');
    const theirs = await influx.write('wholebody', body);
    const tenant = await createTenant(app());
    const ours = await app().http.post(`/write?db=${tenant.bucketId}`).set('Authorization', `Token ${tenant.writeKey}`).send(body);
    expect([theirs.status, ours.status]).toEqual([400, 400]);
    const influxError = (JSON.parse(theirs.body) as { error: string }).error;
    // 1.6.7's dropped= counts points refused after parsing (none here); dakkio's counts every refused line.
    expect(influxError).toMatch(/^partial write: unable to parse 'nofields': missing fields\n[\s\S]* dropped=0$/);
    expect(ours.body.error).toMatch(/ dropped=13$/);
    expect(ours.body.error.replace(/ dropped=\d+$/, '')).toBe(influxError.replace(/ dropped=\d+$/, ''));
    expect(canonical(await dakkioRows(tenant.bucketId))).toEqual(canonical(await influxRows('wholebody')));
    expect((await dakkioRows(tenant.bucketId)).map((row) => row.fields.v)).toEqual([1, 4, 6]);
  });

  it('differs on purpose on a newline inside a quoted string: InfluxDB 1.6.7 keeps it in the string, dakkio ends the line there', async () => {
    const t1 = at(1);
    const body = `q s="two\nlines" ${at(0)}\nq v=1 ${t1}`;
    expect(await influx.write('newline', body)).toEqual({ status: 204, body: '' });
    expect((await influxRows('newline')).map((row) => row.fields)).toEqual([{ s: 'two\nlines' }, { v: 1 }]);
    const tenant = await createTenant(app());
    const ours = await app().http.post(`/write?db=${tenant.bucketId}`).set('Authorization', `Token ${tenant.writeKey}`).send(body);
    expect([ours.status, ours.body]).toEqual([
      400,
      {
        error: `partial write: unable to parse 'q s="two': unbalanced quotes\nunable to parse 'lines" ${at(0)}': invalid field format dropped=2`,
      },
    ]);
    expect((await dakkioRows(tenant.bucketId)).map((row) => row.fields)).toEqual([{ v: 1 }]);
  });

  it('differs on purpose on precision=us: InfluxDB 1.6.7 silently reads it as ns, dakkio as microseconds', async () => {
    const line = `p v=1 ${at(0, 'u')}`;
    expect(await influx.write('us', line, 'us')).toEqual({ status: 204, body: '' });
    // Microseconds read as nanoseconds: 1000 times earlier, in January 1970.
    expect((await influxRows('us')).map((row) => row.ms)).toEqual([Math.floor(base / 1000)]);
    const tenant = await createTenant(app());
    await app()
      .http.post(`/write?db=${tenant.bucketId}&precision=us`)
      .set('Authorization', `Token ${tenant.writeKey}`)
      .send(line)
      .expect(204);
    expect((await dakkioRows(tenant.bucketId)).map((row) => row.ms)).toEqual([base]);
  });
});
