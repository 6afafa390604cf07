import type { SelectStatement, Statement } from '../src/modules/influxql/ast';
import { parseInfluxQL } from '../src/modules/influxql/parseInfluxQL';
import { StatementError } from '../src/modules/influxql/statementError';
import { splitTimeRange } from '../src/modules/influxql/timeRange';

/**
 * parseInfluxQL (api.md §12): the statements Grafana's InfluxDB data source sends, quoting,
 * and InfluxDB's error messages. Messages marked "as influxd" were read from InfluxDB 1.6.7.
 */

function parseOne(q: string): Statement {
  const [parsed, ...more] = parseInfluxQL(q);
  expect(more).toEqual([]);
  if (!parsed?.ok) throw new Error(`did not parse: ${parsed?.error}`);
  return parsed.statement;
}

function parseSelect(q: string): SelectStatement {
  const statement = parseOne(q);
  if (statement.kind !== 'select') throw new Error(`not a select: ${statement.kind}`);
  return statement;
}

function errorOf(q: string): string {
  const [parsed] = parseInfluxQL(q);
  if (!parsed || parsed.ok) throw new Error(`parsed: ${q}`);
  return parsed.error;
}

const ns = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;

describe('InfluxQL: the queries Grafana sends', () => {
  test('a panel query: mean per interval and host, regex tag filter, epoch-ms time filter, fill(null)', () => {
    const statement = parseSelect(
      'SELECT mean("value") FROM "autogen"."cpu" WHERE ("host" =~ /^server\\/1$/) AND time >= 1700000000000ms and time <= 1700003600000ms GROUP BY time(10s), "host" fill(null)',
    );
    expect(statement.fields).toEqual([{ kind: 'aggregate', fn: 'mean', field: 'value' }]);
    expect(statement.from).toEqual({ retentionPolicy: 'autogen', name: 'cpu' });
    expect(statement.groupBy).toEqual({ time: { intervalNs: 10_000_000_000n, offsetNs: 0n }, tags: ['host'] });
    expect(statement.fill).toEqual({ kind: 'null' });
    const { range, rest } = splitTimeRange(statement.where, 0n);
    expect(range).toEqual({ minNs: 1_700_000_000_000_000_000n, maxNs: 1_700_003_600_000_000_000n });
    expect(rest).toEqual({
      kind: 'comparison',
      operator: '=~',
      left: { kind: 'identifier', name: 'host' },
      right: { kind: 'regex', pattern: '^server/1$' },
    });
  });

  test('type casts the editor writes ("host"::tag, "v"::field) are read and passed over; an unknown one is an error', () => {
    const statement = parseSelect(
      `SELECT mean("v"::field) FROM "m" WHERE ("host"::tag = 'a') AND time > now() - 1h GROUP BY time(1m), "host"::tag fill(null)`,
    );
    expect(statement.fields).toEqual([{ kind: 'aggregate', fn: 'mean', field: 'v' }]);
    expect(statement.groupBy?.tags).toEqual(['host']);
    expect(splitTimeRange(statement.where, 0n).rest).toEqual({
      kind: 'comparison',
      operator: '=',
      left: { kind: 'identifier', name: 'host' },
      right: { kind: 'string', value: 'a' },
    });
    expect(errorOf('SELECT mean("v"::color) FROM "m"')).toMatch(/^error parsing query: found color, expected tag, field, /);
  });

  test('a table query: several aggregates with aliases, ORDER BY time DESC, LIMIT', () => {
    const statement = parseSelect(
      'SELECT max("temp") AS "hottest", min("temp"), count("temp") FROM "weather" WHERE time > now() - 6h GROUP BY time(1m) fill(none) ORDER BY time DESC LIMIT 10',
    );
    expect(statement.fields).toEqual([
      { kind: 'aggregate', fn: 'max', field: 'temp', alias: 'hottest' },
      { kind: 'aggregate', fn: 'min', field: 'temp' },
      { kind: 'aggregate', fn: 'count', field: 'temp' },
    ]);
    expect(statement).toMatchObject({ fill: { kind: 'none' }, order: 'desc', limit: 10 });
    const now = ns('2026-01-01T12:00:00Z');
    expect(splitTimeRange(statement.where, now).range).toEqual({ minNs: ns('2026-01-01T06:00:00Z') + 1n, maxNs: null });
  });

  test.each([
    ['SHOW measurements', { kind: 'showMeasurements' }],
    [
      'SHOW MEASUREMENTS WITH MEASUREMENT =~ /(?i)cpu/ LIMIT 100',
      { kind: 'showMeasurements', measurement: { operator: '=~', value: '(?i)cpu' }, limit: 100 },
    ],
    ['SHOW DATABASES', { kind: 'showDatabases' }],
    ['SHOW RETENTION POLICIES on "telegraf"', { kind: 'showRetentionPolicies', database: 'telegraf' }],
    ['SHOW FIELD KEYS FROM "cpu"', { kind: 'showFieldKeys', from: { name: 'cpu' } }],
    ['SHOW TAG KEYS', { kind: 'showTagKeys' }],
    ['SHOW TAG KEYS FROM "autogen"."cpu"', { kind: 'showTagKeys', from: { retentionPolicy: 'autogen', name: 'cpu' } }],
    [
      'SHOW TAG VALUES FROM "cpu" WITH KEY = "host"',
      { kind: 'showTagValues', from: { name: 'cpu' }, keys: { kind: 'equals', keys: ['host'] } },
    ],
    ['SHOW TAG VALUES WITH KEY IN ("host", "region")', { kind: 'showTagValues', keys: { kind: 'equals', keys: ['host', 'region'] } }],
    [
      'SHOW TAG VALUES WITH KEY =~ /^h/ LIMIT 5',
      { kind: 'showTagValues', keys: { kind: 'regex', pattern: '^h', negated: false }, limit: 5 },
    ],
  ])('the editor and "Save & test": %s', (q, expected) => {
    expect(parseOne(q)).toEqual(expected);
  });

  test('SHOW MEASUREMENTS with a WHERE on tags, as the query builder narrows measurements', () => {
    expect(parseOne(`SHOW MEASUREMENTS WITH MEASUREMENT =~ /cp/ WHERE "host" = 'a' LIMIT 100`)).toEqual({
      kind: 'showMeasurements',
      measurement: { operator: '=~', value: 'cp' },
      where: { kind: 'comparison', operator: '=', left: { kind: 'identifier', name: 'host' }, right: { kind: 'string', value: 'a' } },
      limit: 100,
    });
  });

  test('SHOW TAG VALUES with a WHERE on other tags, as the query builder narrows values', () => {
    expect(parseOne(`SHOW TAG VALUES FROM "cpu" WITH KEY = "host" WHERE "region" = 'eu'`)).toMatchObject({
      where: { kind: 'comparison', operator: '=', left: { kind: 'identifier', name: 'region' }, right: { kind: 'string', value: 'eu' } },
    });
  });
});

describe('InfluxQL: statements, keywords and quoting', () => {
  test('several statements separated by ";", trailing ";" and blank statements skipped', () => {
    const parsed = parseInfluxQL('  show databases ;  ; SHOW MEASUREMENTS;\n');
    expect(parsed).toEqual([
      { ok: true, statement: { kind: 'showDatabases' } },
      { ok: true, statement: { kind: 'showMeasurements' } },
    ]);
    expect(parseInfluxQL('   ')).toEqual([]);
  });

  test('a statement that does not parse has its error and does not stop the next', () => {
    expect(parseInfluxQL('SELEC x; SHOW DATABASES')).toEqual([
      { ok: false, error: 'error parsing query: found SELEC, expected SELECT, SHOW at line 1, char 1' },
      { ok: true, statement: { kind: 'showDatabases' } },
    ]);
  });

  test('keywords are case-insensitive; identifiers keep their case', () => {
    const statement = parseSelect("select MEAN(Temp) from Weather where Host = 'A' group by TIME(1m) FILL(PREVIOUS) order by TIME desc");
    expect(statement.fields).toEqual([{ kind: 'aggregate', fn: 'mean', field: 'Temp' }]);
    expect(statement.from).toEqual({ name: 'Weather' });
    expect(statement).toMatchObject({ fill: { kind: 'previous' }, order: 'desc' });
  });

  test('double-quoted identifiers take \\" and \\\\ escapes and may be keywords; strings take \\\'', () => {
    const statement = parseSelect(`SELECT "a \\" b", "select" FROM "my \\\\ m" WHERE "tag" = 'it\\'s'`);
    expect(statement.fields).toEqual([
      { kind: 'field', name: 'a " b' },
      { kind: 'field', name: 'select' },
    ]);
    expect(statement.from).toEqual({ name: 'my \\ m' });
    expect(statement.where).toMatchObject({ right: { kind: 'string', value: "it's" } });
  });

  test.each([
    ['m', { name: 'm' }],
    ['"autogen"."m"', { retentionPolicy: 'autogen', name: 'm' }],
    ['"db"."autogen"."m"', { database: 'db', retentionPolicy: 'autogen', name: 'm' }],
    ['db..m', { database: 'db', name: 'm' }],
  ])('FROM %s', (from, expected) => {
    expect(parseSelect(`SELECT * FROM ${from}`).from).toEqual(expected);
  });

  test.each([
    ['fill(null)', { kind: 'null' }],
    ['fill(none)', { kind: 'none' }],
    ['fill(0)', { kind: 'value', value: 0 }],
    ['fill(-1.5)', { kind: 'value', value: -1.5 }],
    ['fill(previous)', { kind: 'previous' }],
  ])('%s', (fill, expected) => {
    expect(parseSelect(`SELECT count(x) FROM m WHERE time > now() - 1h GROUP BY time(1m) ${fill}`).fill).toEqual(expected);
  });

  test('GROUP BY tags without time, GROUP BY *, time() with an offset, durations in any unit', () => {
    expect(parseSelect('SELECT mean(x) FROM m GROUP BY "host", region').groupBy).toEqual({ tags: ['host', 'region'] });
    expect(parseSelect('SELECT mean(x) FROM m GROUP BY *').groupBy).toEqual({ tags: '*' });
    expect(parseSelect('SELECT mean(x) FROM m GROUP BY time(1h30m, -15m)').groupBy).toEqual({
      time: { intervalNs: 5_400_000_000_000n, offsetNs: -900_000_000_000n },
      tags: [],
    });
    const units = {
      '1ns': 1n,
      '1u': 1_000n,
      '1µ': 1_000n,
      '1ms': 1_000_000n,
      '1s': 10n ** 9n,
      '1d': 86_400n * 10n ** 9n,
      '1w': 604_800n * 10n ** 9n,
    };
    for (const [literal, nanoseconds] of Object.entries(units)) {
      expect(parseSelect(`SELECT mean(x) FROM m GROUP BY time(${literal})`).groupBy.time?.intervalNs).toBe(nanoseconds);
    }
  });

  test('raw selects: fields, aliases, *, LIMIT and OFFSET; a "time" column is implied', () => {
    expect(parseSelect('SELECT time, "temperature" AS t, host FROM m LIMIT 5 OFFSET 10')).toMatchObject({
      fields: [
        { kind: 'field', name: 'temperature', alias: 't' },
        { kind: 'field', name: 'host' },
      ],
      limit: 5,
      offset: 10,
    });
    expect(parseSelect('SELECT * FROM m').fields).toBe('*');
  });
});

describe('InfluxQL: WHERE time ranges', () => {
  const now = ns('2026-01-01T12:00:00Z');
  const rangeOf = (where: string) => splitTimeRange(parseSelect(`SELECT * FROM m WHERE ${where}`).where, now).range;

  test('epoch literals in any unit, RFC 3339 strings, now() arithmetic; > and < exclude their bound', () => {
    expect(rangeOf('time >= 1700000000000ms AND time <= 1700000001s')).toEqual({
      minNs: 1_700_000_000_000_000_000n,
      maxNs: 1_700_000_001_000_000_000n,
    });
    expect(rangeOf(`time > '2026-01-01T00:00:00.5Z' AND time < '2026-01-02'`)).toEqual({
      minNs: ns('2026-01-01T00:00:00.500Z') + 1n,
      maxNs: ns('2026-01-02T00:00:00Z') - 1n,
    });
    expect(rangeOf(`time >= '2026-01-01T02:00:00+02:00'`).minNs).toBe(ns('2026-01-01T00:00:00Z'));
    expect(rangeOf('time >= now() - 6h AND time <= now()')).toEqual({ minNs: ns('2026-01-01T06:00:00Z'), maxNs: now });
    expect(rangeOf('now() - 1d <= time')).toEqual({ minNs: ns('2025-12-31T12:00:00Z'), maxNs: null });
    expect(rangeOf('time >= 1767225600000000000')).toEqual({ minNs: ns('2026-01-01T00:00:00Z'), maxNs: null });
  });

  test('several bounds narrow the range; tag conditions stay for the filter', () => {
    const { range, rest } = splitTimeRange(
      parseSelect(`SELECT * FROM m WHERE ("host" = 'a' OR "host" = 'b') AND time >= 10s AND time >= 20s AND time <= 60s`).where,
      now,
    );
    expect(range).toEqual({ minNs: 20_000_000_000n, maxNs: 60_000_000_000n });
    expect(rest).toMatchObject({ kind: 'or' });
  });

  test('time comparisons anywhere narrow the range and leave the clause, even inside OR, as influxd reads them', () => {
    const { range, rest } = splitTimeRange(parseSelect(`SELECT * FROM m WHERE time >= 10s OR "host" = 'a' AND time <= 60s`).where, now);
    expect(range).toEqual({ minNs: 10_000_000_000n, maxNs: 60_000_000_000n });
    expect(rest).toEqual({
      kind: 'comparison',
      operator: '=',
      left: { kind: 'identifier', name: 'host' },
      right: { kind: 'string', value: 'a' },
    });
  });

  test('time != and a string that is not a time are statement errors, as influxd words them', () => {
    const failure = (where: string) => {
      try {
        rangeOf(where);
      } catch (error) {
        expect(error).toBeInstanceOf(StatementError);
        return (error as Error).message;
      }
      throw new Error(`no error for ${where}`);
    };
    expect(failure('time != 0')).toBe('invalid time comparison operator: !=');
    expect(failure(`time > 'abc'`)).toBe('invalid operation: time and *influxql.StringLiteral are not compatible');
  });
});

describe('InfluxQL: errors', () => {
  test.each([
    // As influxd 1.6.7 words them, positions included.
    ['SELECT mean(temperature) FROM', 'error parsing query: found EOF, expected identifier at line 1, char 31'],
    ['SELECT FROM weather', 'error parsing query: found FROM, expected identifier, string, number, bool at line 1, char 8'],
    [
      'SELECT mean(temperature) FROM weather WHERE',
      'error parsing query: found EOF, expected identifier, string, number, bool at line 1, char 45',
    ],
    ['SELECT mean(x) FROM w GROUP BY time(1x)', 'error parsing query: invalid duration'],
    ['SHOW TAG VALUES WITH KEY', 'error parsing query: found EOF, expected IN, =, =~ at line 1, char 26'],
    [
      `SELECT * FROM weather WHERE host = 'unterminated`,
      'error parsing query: found unterminated, expected identifier, string, number, bool at line 1, char 35',
    ],
    ['SELECT * FROM "weather WHERE', 'error parsing query: found weather WHERE, expected identifier at line 1, char 14'],
    ['SELECT foo(x) FROM m', 'undefined function foo()'],
    ['SELECT mean(x), y FROM m', 'mixing aggregate and non-aggregate queries is not supported'],
    ['SELECT x FROM m GROUP BY time(1m)', 'GROUP BY requires at least one aggregate function'],
    ['SELECT mean(x) FROM m GROUP BY time()', 'time dimension expected 1 or 2 arguments'],
  ])('%s', (q, message) => {
    expect(errorOf(q)).toBe(message);
  });

  test.each([
    // The same positions; influxd lists every statement it knows where these list the subset.
    ['SHOW FOO', 'error parsing query: found FOO, expected DATABASES, FIELD, MEASUREMENTS, RETENTION, TAG at line 1, char 6'],
    ['DROP DATABASE x', 'error parsing query: found DROP, expected SELECT, SHOW at line 1, char 1'],
    ['SHOW DATABASES;\n  SELEC x', 'error parsing query: found SELEC, expected SELECT, SHOW at line 2, char 3'],
  ])('outside the subset: %s', (q, message) => {
    const parsed = parseInfluxQL(q);
    expect(parsed.find((statement) => !statement.ok)).toEqual({ ok: false, error: message });
  });

  test.each([
    [
      'GROUP BY time($interval) (Grafana substitutes the variable first)',
      'SELECT mean(x) FROM m GROUP BY time($interval)',
      /found \$, expected duration/,
    ],
    ['a function in WHERE other than now()', 'SELECT * FROM m WHERE time > ago(1h)', /unsupported function in WHERE: ago\(\)/],
    ['mean(*)', 'SELECT mean(*) FROM m', /mean\(\*\) is not supported/],
    ['fill(linear)', 'SELECT mean(x) FROM m GROUP BY time(1m) fill(linear)', /linear is not supported/],
    ['ORDER BY a field', 'SELECT x FROM m ORDER BY x', /only ORDER BY time supported/],
    ['a regex measurement', 'SELECT x FROM /cpu.*/', /regular expressions in FROM are not supported/],
    ['text after the statement', 'SHOW DATABASES extra', /found extra, expected ; at line 1, char 16/],
    ['a bad escape', `SELECT * FROM m WHERE t = 'a\\qb'`, /bad escape: \\q/],
  ])('%s', (_name, q, message) => {
    expect(errorOf(q)).toMatch(message);
  });
});
