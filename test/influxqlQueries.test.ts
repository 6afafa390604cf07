import { runInfluxQL } from '../src/modules/influxql/runInfluxQL';
import { expectNoServerErrorsAfterEach } from './support/assertions';
import { createMeasurement, defaultLimits, seedInfluxQLFixture, writePoints, type InfluxQLFixture } from './support/influxqlFixtures';
import { useTestApp } from './support/testApp';

/**
 * runInfluxQL (api.md §12) against the real database, on the fixture points of
 * test/support/influxqlFixtures.ts. Every expected answer below is also what InfluxDB 1.6.7
 * answered for the same points and query (noted where this server differs on purpose).
 */

const app = useTestApp();
expectNoServerErrorsAfterEach(app);

let fixture: InfluxQLFixture;
beforeAll(async () => {
  fixture = await seedInfluxQLFixture(app());
});

const range = "time >= '2026-01-01T00:00:00Z' AND time <= '2026-01-01T00:04:00Z'";
const wideRange = "time >= '2025-12-31T23:59:00Z' AND time <= '2026-01-01T00:04:00Z'";

/** The one statement's result of `q`. */
async function one(q: string, options?: Parameters<InfluxQLFixture['query']>[1]) {
  const results = await fixture.query(q, options);
  expect(results).toHaveLength(1);
  return results[0];
}

const seriesOf = async (q: string, options?: Parameters<InfluxQLFixture['query']>[1]) => (await one(q, options))?.series;
const valuesOf = async (q: string, options?: Parameters<InfluxQLFixture['query']>[1]) => (await seriesOf(q, options))?.[0]?.values;

describe('InfluxQL: SHOW statements', () => {
  test('SHOW DATABASES lists the buckets the key may see, with or without db', async () => {
    for (const db of [undefined, 'none' as const]) {
      expect(await one('SHOW DATABASES', { db })).toEqual({
        statement_id: 0,
        series: [{ name: 'databases', columns: ['name'], values: [[fixture.bucket.name]] }],
      });
    }
  });

  test("SHOW MEASUREMENTS: the data sources by name; WITH MEASUREMENT =~ (Grafana's (?i) too); WHERE on tags; LIMIT", async () => {
    expect(await seriesOf('SHOW MEASUREMENTS')).toEqual([{ name: 'measurements', columns: ['name'], values: [['cpu'], ['weather']] }]);
    expect(await valuesOf('SHOW MEASUREMENTS WITH MEASUREMENT =~ /(?i)WEA/ LIMIT 100')).toEqual([['weather']]);
    expect(await valuesOf('SHOW MEASUREMENTS LIMIT 1')).toEqual([['cpu']]);
    expect(await one('SHOW MEASUREMENTS WITH MEASUREMENT = "nope"')).toEqual({ statement_id: 0 });
    expect(await valuesOf(`SHOW MEASUREMENTS WITH MEASUREMENT =~ /./ WHERE host = 'a' LIMIT 100`)).toEqual([['cpu'], ['weather']]);
    expect(await valuesOf(`SHOW MEASUREMENTS WHERE host = 'b'`)).toEqual([['weather']]);
    expect(await valuesOf('SHOW MEASUREMENTS WHERE region =~ /e/')).toEqual([['cpu']]);
  });

  test('SHOW FIELD KEYS: one series per measurement, schema types as InfluxDB field types', async () => {
    expect(await seriesOf('SHOW FIELD KEYS')).toEqual([
      { name: 'cpu', columns: ['fieldKey', 'fieldType'], values: [['usage', 'float']] },
      {
        name: 'weather',
        columns: ['fieldKey', 'fieldType'],
        values: [
          ['label', 'string'],
          ['ok', 'boolean'],
          ['temperature', 'float'],
        ],
      },
    ]);
    expect(await seriesOf('SHOW FIELD KEYS FROM "weather"')).toHaveLength(1);
    expect(await one('SHOW FIELD KEYS FROM nope')).toEqual({ statement_id: 0 });
  });

  test("SHOW TAG KEYS: the metadata keys of each measurement's points", async () => {
    expect(await seriesOf('SHOW TAG KEYS')).toEqual([
      { name: 'cpu', columns: ['tagKey'], values: [['host'], ['region']] },
      { name: 'weather', columns: ['tagKey'], values: [['host']] },
    ]);
    expect(await seriesOf('SHOW TAG KEYS FROM "autogen"."weather"')).toEqual([
      { name: 'weather', columns: ['tagKey'], values: [['host']] },
    ]);
    expect(await one('SHOW TAG KEYS FROM nope')).toEqual({ statement_id: 0 });
  });

  test('SHOW TAG VALUES WITH KEY = / IN / =~, narrowed by WHERE, LIMIT per measurement', async () => {
    expect(await seriesOf('SHOW TAG VALUES WITH KEY = "host"')).toEqual([
      { name: 'cpu', columns: ['key', 'value'], values: [['host', 'a']] },
      {
        name: 'weather',
        columns: ['key', 'value'],
        values: [
          ['host', 'a'],
          ['host', 'b'],
        ],
      },
    ]);
    expect(await valuesOf('SHOW TAG VALUES FROM cpu WITH KEY IN ("host", "region")')).toEqual([
      ['host', 'a'],
      ['region', 'eu'],
    ]);
    expect(await valuesOf('SHOW TAG VALUES FROM cpu WITH KEY =~ /^reg/')).toEqual([['region', 'eu']]);
    expect(await valuesOf(`SHOW TAG VALUES FROM weather WITH KEY = host WHERE host != 'a'`)).toEqual([['host', 'b']]);
    expect((await seriesOf('SHOW TAG VALUES WITH KEY = "host" LIMIT 1'))?.map((series) => series.values)).toEqual([
      [['host', 'a']],
      [['host', 'a']],
    ]);
  });

  test('SHOW RETENTION POLICIES: one policy, autogen, lasting the bucket\'s retention (InfluxDB\'s default is "0s")', async () => {
    const expected = {
      statement_id: 0,
      series: [
        {
          columns: ['name', 'duration', 'shardGroupDuration', 'replicaN', 'default'],
          values: [['autogen', '8760h0m0s', '168h0m0s', 1, true]],
        },
      ],
    };
    expect(await one('SHOW RETENTION POLICIES')).toEqual(expected);
    expect(await one(`SHOW RETENTION POLICIES ON "${fixture.bucket.name}"`, { db: 'none' })).toEqual(expected);
    expect(await one('SHOW RETENTION POLICIES ON nope')).toEqual({ statement_id: 0, error: 'database not found: nope' });
  });
});

describe('InfluxQL: SELECT <agg>() ... GROUP BY time()', () => {
  test('mean per minute, epoch-aligned, every interval from the lower to the upper bound with fill(null)', async () => {
    expect(await one(`SELECT mean("temperature") FROM "weather" WHERE ${range} GROUP BY time(1m)`)).toEqual({
      statement_id: 0,
      series: [
        {
          name: 'weather',
          columns: ['time', 'mean'],
          values: [
            ['2026-01-01T00:00:00Z', 20], // (10 + 20 + 30) / 3
            ['2026-01-01T00:01:00Z', 40],
            ['2026-01-01T00:02:00Z', null],
            ['2026-01-01T00:03:00Z', 50],
            ['2026-01-01T00:04:00Z', null], // time <= 00:04:00 includes its interval
          ],
        },
      ],
    });
  });

  test('fill(none), fill(0), fill(-1.5), fill(previous)', async () => {
    const q = (fill: string) => `SELECT mean(temperature) FROM weather WHERE ${range} GROUP BY time(1m) fill(${fill})`;
    const times = ['00:00', '00:01', '00:02', '00:03', '00:04'].map((t) => `2026-01-01T${t}:00Z`);
    const column = (values: (number | null)[]) => values.map((value, i) => [times[i], value]).filter((row) => row[1] !== undefined);
    expect(await valuesOf(q('none'))).toEqual([
      [times[0], 20],
      [times[1], 40],
      [times[3], 50],
    ]);
    expect(await valuesOf(q('0'))).toEqual(column([20, 40, 0, 50, 0]));
    expect(await valuesOf(q('-1.5'))).toEqual(column([20, 40, -1.5, 50, -1.5]));
    expect(await valuesOf(q('previous'))).toEqual(column([20, 40, 40, 50, 50]));
  });

  test('count fills empty intervals with 0 under fill(null), and leaves a column null under fill(none)', async () => {
    expect(await valuesOf(`SELECT count(temperature) FROM weather WHERE ${range} GROUP BY time(1m)`)).toEqual([
      ['2026-01-01T00:00:00Z', 3],
      ['2026-01-01T00:01:00Z', 1],
      ['2026-01-01T00:02:00Z', 0],
      ['2026-01-01T00:03:00Z', 1],
      ['2026-01-01T00:04:00Z', 0],
    ]);
    expect(await valuesOf(`SELECT mean(temperature), count(label) FROM weather WHERE ${range} GROUP BY time(1m) fill(none)`)).toEqual([
      ['2026-01-01T00:00:00Z', 20, 2],
      ['2026-01-01T00:01:00Z', 40, null],
      ['2026-01-01T00:03:00Z', 50, null],
    ]);
  });

  test('several aggregates are several columns; aliases name them; repeated names get _1, _2', async () => {
    expect(
      await seriesOf(`SELECT mean(temperature), max(temperature) AS mx, count(label) FROM weather WHERE ${range} GROUP BY time(1m)`),
    ).toEqual([
      {
        name: 'weather',
        columns: ['time', 'mean', 'mx', 'count'],
        values: [
          ['2026-01-01T00:00:00Z', 20, 30, 2],
          ['2026-01-01T00:01:00Z', 40, 40, 0],
          ['2026-01-01T00:02:00Z', null, null, 0],
          ['2026-01-01T00:03:00Z', 50, 50, 0],
          ['2026-01-01T00:04:00Z', null, null, 0],
        ],
      },
    ]);
    const names = await seriesOf(`SELECT mean(temperature), mean(temperature), max(temperature) AS mean FROM weather WHERE ${wideRange}`);
    expect(names?.[0]?.columns).toEqual(['time', 'mean_1', 'mean_2', 'mean']);
    expect(names?.[0]?.values).toEqual([['2025-12-31T23:59:00Z', 30, 30, 50]]);
  });

  test('first and last follow time, per interval; sum, min and max', async () => {
    expect(await valuesOf(`SELECT last(temperature) FROM weather WHERE ${range} GROUP BY time(2m)`)).toEqual([
      ['2026-01-01T00:00:00Z', 40],
      ['2026-01-01T00:02:00Z', 50],
      ['2026-01-01T00:04:00Z', null],
    ]);
    expect(
      await valuesOf(
        `SELECT first(temperature), sum(temperature), min(temperature), max(temperature) FROM weather WHERE ${range} GROUP BY time(2m) fill(none)`,
      ),
    ).toEqual([
      ['2026-01-01T00:00:00Z', 10, 100, 10, 40],
      ['2026-01-01T00:02:00Z', 50, 50, 50, 50],
    ]);
  });

  test('GROUP BY time(), "tag": one series per tag value, sorted, a point without the tag under ""', async () => {
    expect(await seriesOf(`SELECT mean(temperature) FROM weather WHERE ${range} GROUP BY time(2m), "host"`)).toEqual([
      {
        name: 'weather',
        tags: { host: '' },
        columns: ['time', 'mean'],
        values: [
          ['2026-01-01T00:00:00Z', 40],
          ['2026-01-01T00:02:00Z', null],
          ['2026-01-01T00:04:00Z', null],
        ],
      },
      {
        name: 'weather',
        tags: { host: 'a' },
        columns: ['time', 'mean'],
        values: [
          ['2026-01-01T00:00:00Z', 15],
          ['2026-01-01T00:02:00Z', null],
          ['2026-01-01T00:04:00Z', null],
        ],
      },
      {
        name: 'weather',
        tags: { host: 'b' },
        columns: ['time', 'mean'],
        values: [
          ['2026-01-01T00:00:00Z', 30],
          ['2026-01-01T00:02:00Z', 50],
          ['2026-01-01T00:04:00Z', null],
        ],
      },
    ]);
  });

  test('ORDER BY time DESC reverses rows and series, and fill(previous) follows that order; LIMIT and OFFSET per series', async () => {
    expect(
      await valuesOf(`SELECT mean(temperature) FROM weather WHERE ${wideRange} GROUP BY time(1m) fill(previous) ORDER BY time DESC`),
    ).toEqual([
      ['2026-01-01T00:04:00Z', null],
      ['2026-01-01T00:03:00Z', 50],
      ['2026-01-01T00:02:00Z', 50],
      ['2026-01-01T00:01:00Z', 40],
      ['2026-01-01T00:00:00Z', 20],
      ['2025-12-31T23:59:00Z', 20],
    ]);
    expect(await valuesOf(`SELECT mean(temperature) FROM weather WHERE ${range} GROUP BY time(1m) ORDER BY time DESC LIMIT 2`)).toEqual([
      ['2026-01-01T00:04:00Z', null],
      ['2026-01-01T00:03:00Z', 50],
    ]);
    expect(await valuesOf(`SELECT mean(temperature) FROM weather WHERE ${wideRange} GROUP BY time(1m) LIMIT 2 OFFSET 1`)).toEqual([
      ['2026-01-01T00:00:00Z', 20],
      ['2026-01-01T00:01:00Z', 40],
    ]);
    const series = await seriesOf(
      `SELECT mean(temperature) FROM weather WHERE time >= '2026-01-01T00:00:00Z' AND time <= '2026-01-01T00:01:00Z' GROUP BY time(1m), host ORDER BY time DESC`,
    );
    expect(series?.map((one) => [one.tags, one.values])).toEqual([
      [
        { host: 'b' },
        [
          ['2026-01-01T00:01:00Z', null],
          ['2026-01-01T00:00:00Z', 30],
        ],
      ],
      [
        { host: 'a' },
        [
          ['2026-01-01T00:01:00Z', null],
          ['2026-01-01T00:00:00Z', 15],
        ],
      ],
    ]);
  });

  test('time(1m, 30s): intervals shifted by the offset, the first one holding the lower bound', async () => {
    expect(
      await valuesOf(
        `SELECT mean(temperature) FROM weather WHERE time >= '2026-01-01T00:00:00Z' AND time <= '2026-01-01T00:01:00Z' GROUP BY time(1m, 30s)`,
      ),
    ).toEqual([
      ['2025-12-31T23:59:30Z', 15],
      ['2026-01-01T00:00:30Z', 30],
    ]);
  });

  test("Grafana's epoch-ms bounds with epoch=ms; a lower bound inside an interval starts at that interval", async () => {
    expect(
      await valuesOf(
        'SELECT mean(temperature) FROM weather WHERE time >= 1767225630000ms AND time <= 1767225839999ms GROUP BY time(1m) fill(null)',
        { epoch: 'ms' },
      ),
    ).toEqual([
      [1767225600000, 30],
      [1767225660000, 40],
      [1767225720000, null],
      [1767225780000, 50],
    ]);
  });

  test("without an upper bound the intervals end now(); without a lower bound they start at the first point's", async () => {
    const values = await valuesOf('SELECT count(temperature) FROM weather GROUP BY time(1m)', { now: new Date('2026-01-01T00:05:30Z') });
    expect(values).toEqual([
      ['2026-01-01T00:00:00Z', 3],
      ['2026-01-01T00:01:00Z', 1],
      ['2026-01-01T00:02:00Z', 0],
      ['2026-01-01T00:03:00Z', 1],
      ['2026-01-01T00:04:00Z', 0],
      ['2026-01-01T00:05:00Z', 0],
    ]);
    // After 00:01:30: the point at 00:01:10 is out, but its interval is the first.
    expect(
      await valuesOf('SELECT count(temperature) FROM weather WHERE time > now() - 3m GROUP BY time(1m)', {
        now: new Date('2026-01-01T00:04:30Z'),
      }),
    ).toEqual([
      ['2026-01-01T00:01:00Z', 0],
      ['2026-01-01T00:02:00Z', 0],
      ['2026-01-01T00:03:00Z', 1],
      ['2026-01-01T00:04:00Z', 0],
    ]);
  });

  test("more intervals than the limit is the statement's error, before any point is read", async () => {
    expect(await one(`SELECT mean(temperature) FROM weather WHERE ${range} GROUP BY time(1ms)`, { limits: { maxPoints: 1000 } })).toEqual({
      statement_id: 0,
      error: 'max-select-buckets limit exceeded: (240001/1000)',
    });
    expect(
      await valuesOf(`SELECT mean(temperature) FROM weather WHERE ${range} GROUP BY time(1ms) fill(none)`, { limits: { maxPoints: 1000 } }),
    ).toEqual([
      ['2026-01-01T00:00:00Z', 10],
      ['2026-01-01T00:00:10Z', 20],
      ['2026-01-01T00:00:30Z', 30],
      ['2026-01-01T00:01:10Z', 40],
      ['2026-01-01T00:03:20.123Z', 50],
    ]);
  });
});

describe('InfluxQL: SELECT <agg>() without GROUP BY time()', () => {
  test("one row at the lower bound (the epoch without one); a lone selector answers its point's time", async () => {
    expect(await valuesOf(`SELECT mean(temperature) FROM weather WHERE ${wideRange}`)).toEqual([['2025-12-31T23:59:00Z', 30]]);
    expect(await valuesOf('SELECT mean(temperature) FROM weather')).toEqual([['1970-01-01T00:00:00Z', 30]]);
    expect(await valuesOf(`SELECT max(temperature) FROM weather WHERE ${wideRange}`)).toEqual([['2026-01-01T00:03:20.123Z', 50]]);
    expect(await valuesOf(`SELECT min(temperature) FROM weather WHERE ${wideRange}`)).toEqual([['2026-01-01T00:00:00Z', 10]]);
    expect(await valuesOf(`SELECT last(temperature) FROM weather WHERE ${wideRange}`)).toEqual([['2026-01-01T00:03:20.123Z', 50]]);
    expect(await valuesOf(`SELECT last(label) FROM weather WHERE ${range}`)).toEqual([['2026-01-01T00:00:30Z', 'y']]);
    expect(await valuesOf(`SELECT max(temperature), min(temperature) FROM weather WHERE ${wideRange}`)).toEqual([
      ['2025-12-31T23:59:00Z', 50, 10],
    ]);
  });

  test('first, last and count of text and booleans; sum and count per host', async () => {
    expect(await valuesOf(`SELECT first(label), last(ok), count(ok) FROM weather WHERE ${range}`)).toEqual([
      ['2026-01-01T00:00:00Z', 'x', false, 2],
    ]);
    expect(
      (await seriesOf(`SELECT sum(temperature), count(temperature) FROM weather WHERE ${range} GROUP BY host`))?.map((one) => [
        one.tags,
        one.values,
      ]),
    ).toEqual([
      [{ host: '' }, [['2026-01-01T00:00:00Z', 40, 1]]],
      [{ host: 'a' }, [['2026-01-01T00:00:00Z', 30, 2]]],
      [{ host: 'b' }, [['2026-01-01T00:00:00Z', 80, 2]]],
    ]);
    expect((await seriesOf(`SELECT max(temperature) FROM weather WHERE ${range} GROUP BY host`))?.map((one) => one.values[0])).toEqual([
      ['2026-01-01T00:01:10Z', 40],
      ['2026-01-01T00:00:10Z', 20],
      ['2026-01-01T00:03:20.123Z', 50],
    ]);
  });

  test("GROUP BY * and SELECT * take the measurement's tag keys, not only those of the points kept", async () => {
    const narrow = "time >= '2026-01-01T00:01:00Z' AND time <= '2026-01-01T00:02:00Z'";
    expect(await seriesOf(`SELECT * FROM weather WHERE ${narrow} GROUP BY *`)).toEqual([
      {
        name: 'weather',
        tags: { host: '' },
        columns: ['time', 'label', 'ok', 'temperature'],
        values: [['2026-01-01T00:01:10Z', null, false, 40]],
      },
    ]);
    expect((await seriesOf(`SELECT * FROM weather WHERE ${range} AND ok = false`))?.[0]?.columns).toEqual([
      'time',
      'host',
      'label',
      'ok',
      'temperature',
    ]);
  });

  test('GROUP BY * groups by every tag', async () => {
    expect(
      (await seriesOf(`SELECT mean(temperature) FROM weather WHERE ${wideRange} GROUP BY *`))?.map((one) => [one.tags, one.values]),
    ).toEqual([
      [{ host: '' }, [['2025-12-31T23:59:00Z', 40]]],
      [{ host: 'a' }, [['2025-12-31T23:59:00Z', 15]]],
      [{ host: 'b' }, [['2025-12-31T23:59:00Z', 40]]],
    ]);
  });

  test('mean/sum/min/max of text or booleans fail as in InfluxDB; an unknown field answers nothing', async () => {
    expect(await one('SELECT mean(label) FROM weather')).toEqual({
      statement_id: 0,
      error: 'unsupported mean iterator type: *query.stringInterruptIterator',
    });
    expect(await one('SELECT sum(ok) FROM weather')).toEqual({
      statement_id: 0,
      error: 'unsupported sum iterator type: *query.booleanInterruptIterator',
    });
    expect(await one('SELECT max(label) FROM weather')).toEqual({
      statement_id: 0,
      error: 'unsupported max iterator type: *query.stringInterruptIterator',
    });
    expect(await one(`SELECT mean(nope) FROM weather WHERE ${range}`)).toEqual({ statement_id: 0 });
    expect(await one(`SELECT mean(temperature) FROM weather WHERE ${range} AND host = 'zzz' GROUP BY time(1m)`)).toEqual({
      statement_id: 0,
    });
  });
});

describe('InfluxQL: raw SELECT', () => {
  test('SELECT *: time, then fields and tags in lexical order, null where a point lacks one', async () => {
    expect(await seriesOf(`SELECT * FROM weather WHERE ${range}`)).toEqual([
      {
        name: 'weather',
        columns: ['time', 'host', 'label', 'ok', 'temperature'],
        values: [
          ['2026-01-01T00:00:00Z', 'a', 'x', true, 10],
          ['2026-01-01T00:00:10Z', 'a', null, null, 20],
          ['2026-01-01T00:00:30Z', 'b', 'y', null, 30],
          ['2026-01-01T00:01:10Z', null, null, false, 40],
          ['2026-01-01T00:03:20.123Z', 'b', null, null, 50],
        ],
      },
    ]);
  });

  test('SELECT * GROUP BY host leaves the grouped tag out of the columns', async () => {
    const series = await seriesOf(`SELECT * FROM weather WHERE ${range} GROUP BY host`);
    expect(series?.map((one) => [one.tags, one.columns, one.values.length])).toEqual([
      [{ host: '' }, ['time', 'label', 'ok', 'temperature'], 1],
      [{ host: 'a' }, ['time', 'label', 'ok', 'temperature'], 2],
      [{ host: 'b' }, ['time', 'label', 'ok', 'temperature'], 2],
    ]);
  });

  test('named fields and tags in the order written; an unknown name is a null column; only tags answer nothing', async () => {
    expect(await seriesOf(`SELECT temperature, host FROM weather WHERE ${range} AND host = 'a'`)).toEqual([
      {
        name: 'weather',
        columns: ['time', 'temperature', 'host'],
        values: [
          ['2026-01-01T00:00:00Z', 10, 'a'],
          ['2026-01-01T00:00:10Z', 20, 'a'],
        ],
      },
    ]);
    expect(await valuesOf(`SELECT temperature, nope FROM weather WHERE ${range} LIMIT 1`)).toEqual([['2026-01-01T00:00:00Z', 10, null]]);
    expect(await valuesOf(`SELECT label FROM weather WHERE ${range}`)).toEqual([
      ['2026-01-01T00:00:00Z', 'x'],
      ['2026-01-01T00:00:30Z', 'y'],
    ]);
    expect(await one('SELECT host FROM weather')).toEqual({ statement_id: 0 });
    expect(await one('SELECT nope FROM weather')).toEqual({ statement_id: 0 });
  });

  test('ORDER BY time DESC, LIMIT and OFFSET; with GROUP BY a tag, LIMIT is per series', async () => {
    expect(await valuesOf(`SELECT * FROM weather WHERE ${range} ORDER BY time DESC LIMIT 2 OFFSET 1`)).toEqual([
      ['2026-01-01T00:01:10Z', null, null, false, 40],
      ['2026-01-01T00:00:30Z', 'b', 'y', null, 30],
    ]);
    const series = await seriesOf(`SELECT temperature FROM weather WHERE ${range} GROUP BY host ORDER BY time DESC LIMIT 1`);
    expect(series?.map((one) => [one.tags, one.values])).toEqual([
      [{ host: 'b' }, [['2026-01-01T00:03:20.123Z', 50]]],
      [{ host: 'a' }, [['2026-01-01T00:00:10Z', 20]]],
      [{ host: '' }, [['2026-01-01T00:01:10Z', 40]]],
    ]);
  });

  test("more points than the limit is the statement's error", async () => {
    expect(await one('SELECT * FROM weather', { limits: { maxPoints: 4 } })).toEqual({
      statement_id: 0,
      error: 'max-select-point limit exceeded: (more than 4 points)',
    });
    expect(await valuesOf('SELECT * FROM weather LIMIT 4', { limits: { maxPoints: 4 } })).toHaveLength(4);
  });
});

describe('InfluxQL: WHERE tag and field conditions', () => {
  const temperatures = async (condition: string) =>
    (await valuesOf(`SELECT temperature FROM weather WHERE ${range} AND ${condition}`))?.map((row) => row[1]) ?? [];

  test.each([
    [`"host" = 'a'`, [10, 20]],
    [`"host" != 'a'`, [30, 40, 50]], // a missing tag reads as ''
    [`host <> 'a'`, [30, 40, 50]],
    [`host = ''`, [40]],
    [`host =~ /^b/`, [30, 50]],
    [`host !~ /a|b/`, [40]],
    [`host =~ /^$/`, [40]],
    [`host !~ /^$/`, [10, 20, 30, 50]],
    [`("host" = 'a' OR "host" = 'b')`, [10, 20, 30, 50]],
    [`(host = 'a' OR temperature >= 40)`, [10, 20, 40, 50]],
    ['temperature > 20', [30, 40, 50]],
    ['temperature != 40', [10, 20, 30, 50]],
    [`label = 'y'`, [30]],
    ['ok = true', [10]],
    [`host = 5`, []],
    [`host > 'a'`, []],
    [`nosuchtag = 'x'`, []],
  ])('%s', async (condition, expected) => {
    expect(await temperatures(condition)).toEqual(expected);
  });

  test('time comparisons inside OR narrow the range and drop out of the clause, as in InfluxDB 1.x', async () => {
    const select = (where: string) => valuesOf(`SELECT temperature FROM weather WHERE ${where}`);
    expect(await select(`time >= '2026-01-01T00:00:10Z' OR host = 'a'`)).toEqual([['2026-01-01T00:00:10Z', 20]]);
    expect(await select(`time >= '2026-01-01T00:00:10Z' OR time <= '2026-01-01T00:01:10Z'`)).toEqual([
      ['2026-01-01T00:00:10Z', 20],
      ['2026-01-01T00:00:30Z', 30],
      ['2026-01-01T00:01:10Z', 40],
    ]);
    expect(await select(`${range} AND temperature <= 20 OR temperature = 50`)).toEqual([
      ['2026-01-01T00:00:00Z', 10],
      ['2026-01-01T00:00:10Z', 20],
      ['2026-01-01T00:03:20.123Z', 50],
    ]);
  });

  test("Grafana's shape: (\"host\" = 'a') AND time >= now() - 1h", async () => {
    expect(
      await valuesOf(`SELECT mean("temperature") FROM "weather" WHERE ("host" = 'a') AND time >= now() - 1h GROUP BY time(5m) fill(null)`),
    ).toEqual([
      ...['23:10', '23:15', '23:20', '23:25', '23:30', '23:35', '23:40', '23:45', '23:50', '23:55'].map((t) => [
        `2025-12-31T${t}:00Z`,
        null,
      ]),
      ['2026-01-01T00:00:00Z', 15],
      ['2026-01-01T00:05:00Z', null],
      ['2026-01-01T00:10:00Z', null],
    ]);
  });

  test('tags stored as numbers or booleans (the JSON API takes them) compare and group as their text', async () => {
    const sensors = await createMeasurement(app(), fixture.tenant, 'sensors', { v: { type: 'number' } });
    await writePoints(app(), fixture.tenant, sensors, [
      { timestamp: '2026-01-01T00:00:00Z', values: { v: 1 }, metadata: { floor: 3, indoor: true } },
      { timestamp: '2026-01-01T00:00:01Z', values: { v: 2 }, metadata: { floor: '3' } },
      { timestamp: '2026-01-01T00:00:02Z', values: { v: 4 }, metadata: { floor: 4 } },
    ]);
    expect(await valuesOf(`SELECT sum(v) FROM sensors WHERE ${range} AND floor = '3' AND indoor = 'true'`)).toEqual([
      ['2026-01-01T00:00:00Z', 1],
    ]);
    expect(
      (await seriesOf(`SELECT sum(v) FROM sensors WHERE ${range} GROUP BY floor`))?.map((one) => [one.tags, one.values[0]?.[1]]),
    ).toEqual([
      [{ floor: '3' }, 3],
      [{ floor: '4' }, 4],
    ]);
    expect(await valuesOf('SHOW TAG VALUES FROM sensors WITH KEY = "floor"')).toEqual([
      ['floor', '3'],
      ['floor', '4'],
    ]);
  });
});

describe('InfluxQL: times, databases and several statements', () => {
  test.each([
    ['ns', [1767225600000000000, 1767225800123000000]],
    ['u', [1767225600000000, 1767225800123000]],
    ['µ', [1767225600000000, 1767225800123000]], // influxd 1.6.7 answers nanoseconds for µ
    ['ms', [1767225600000, 1767225800123]],
    ['s', [1767225600, 1767225800]],
    ['m', [29453760, 29453763]],
    ['h', [490896, 490896]],
  ] as const)('epoch=%s', async (epoch, [first, last]) => {
    const values = await valuesOf(`SELECT temperature FROM weather WHERE ${range}`, { epoch });
    expect([values?.[0]?.[0], values?.[4]?.[0]]).toEqual([first, last]);
  });

  test('FROM names the database and retention policy as Grafana qualifies it', async () => {
    const expected = [['2026-01-01T00:00:00Z', 20]];
    const q = (from: string) =>
      `SELECT mean(temperature) FROM ${from} WHERE time >= '2026-01-01T00:00:00Z' AND time <= '2026-01-01T00:01:00Z'`;
    expect(await valuesOf(q('"autogen"."weather"'))).toEqual(expected);
    expect(await valuesOf(q(`"${fixture.bucket.name}"."autogen"."weather"`), { db: 'none' })).toEqual(expected);
    expect(await valuesOf(q(`"${fixture.bucket._id.toHexString()}".."weather"`), { db: 'none' })).toEqual(expected);
    expect(await one(q('nope.weather'))).toEqual({ statement_id: 0, error: 'retention policy not found: nope' });
    expect(await one(q('nope.autogen.weather'))).toEqual({ statement_id: 0, error: 'database not found: nope' });
  });

  test('a statement that needs a database fails without one; an unknown measurement answers nothing', async () => {
    for (const q of [
      'SHOW MEASUREMENTS',
      'SHOW RETENTION POLICIES',
      'SHOW FIELD KEYS',
      'SHOW TAG KEYS',
      'SHOW TAG VALUES WITH KEY = "host"',
      'SELECT * FROM weather',
    ]) {
      expect(await one(q, { db: 'none' })).toEqual({ statement_id: 0, error: 'database name required' });
    }
    expect(await one('SELECT * FROM nope')).toEqual({ statement_id: 0 });
  });

  test('several statements answer in order, each with its own statement_id, errors among them', async () => {
    const q = `SHOW MEASUREMENTS WITH MEASUREMENT =~ /^(cpu|weather)$/; SELECT mean(label) FROM weather; SELEC x; SELECT count(temperature) FROM weather WHERE ${range};`;
    expect(await fixture.query(q)).toEqual([
      { statement_id: 0, series: [{ name: 'measurements', columns: ['name'], values: [['cpu'], ['weather']] }] },
      { statement_id: 1, error: 'unsupported mean iterator type: *query.stringInterruptIterator' },
      { statement_id: 2, error: `error parsing query: found SELEC, expected SELECT, SHOW at line 1, char ${q.indexOf('SELEC x') + 1}` },
      { statement_id: 3, series: [{ name: 'weather', columns: ['time', 'count'], values: [['2026-01-01T00:00:00Z', 5]] }] },
    ]);
  });

  test('runInfluxQL takes its databases and measurements from the ports', async () => {
    const ports = {
      listBuckets: async () => [fixture.bucket, { ...fixture.bucket, name: 'another' }],
      listSources: async () => [],
      limits: defaultLimits,
    };
    expect(await runInfluxQL({ q: 'SHOW DATABASES; SHOW MEASUREMENTS', bucket: fixture.bucket, now: new Date() }, ports)).toEqual({
      results: [
        { statement_id: 0, series: [{ name: 'databases', columns: ['name'], values: [[fixture.bucket.name], ['another']] }] },
        { statement_id: 1 },
      ],
    });
  });
});
