import { createBucket, createTenant, type Tenant } from './support/tenants';
import { useTestApp } from './support/testApp';

/**
 * /query as Grafana's InfluxDB data source (InfluxQL mode) calls it: Basic auth with the read
 * key as password, `db` = the bucket's name, `epoch=ms`, GET or POST with a form body.
 * Expected values are computed by hand from the lines written.
 */

const app = useTestApp();
const minute = 60_000;
// Aligned to 10 minutes, so every GROUP BY time() below starts its intervals at `start`.
const start = Math.floor((Date.now() - 3 * 3_600_000) / (10 * minute)) * 10 * minute;

const basic = (key: string) => `Basic ${Buffer.from(`grafana:${key}`).toString('base64')}`;

async function bucketNameOf(tenant: Tenant) {
  const res = await app().http.get(`/api/buckets/${tenant.bucketId}`).set('X-API-Key', tenant.adminKey).expect(200);
  return res.body.bucket.name as string;
}

let tenant: Tenant;
let db: string;
beforeAll(async () => {
  tenant = await createTenant(app());
  db = await bucketNameOf(tenant);
  const lines = [
    `cpu,host=a usage=10 ${start + 5_000}`,
    `cpu,host=b usage=20 ${start + 15_000}`,
    `cpu,host=a usage=30 ${start + minute + 1_000}`,
    `cpu,host=a usage=50 ${start + 3 * minute}`,
    `mem,host=a free=1.5,ok=true ${start}`,
  ].join('\n');
  await app()
    .http.post(`/write?db=${encodeURIComponent(db)}&precision=ms`)
    .set('Authorization', basic(tenant.writeKey))
    .send(lines)
    .expect(204);
});

const grafanaQuery = (q: string, key = tenant.readKey) =>
  app().http.get('/query').query({ db, q, epoch: 'ms' }).set('Authorization', basic(key));

describe('GET /query', () => {
  it('answers the data source test (SHOW measurements) as InfluxDB 1.x does', async () => {
    const res = await grafanaQuery('SHOW measurements').expect(200);
    expect(res.headers['x-influxdb-version']).toBeDefined();
    expect(res.body).toEqual({
      results: [{ statement_id: 0, series: [{ name: 'measurements', columns: ['name'], values: [['cpu'], ['mem']] }] }],
    });
  });

  it('computes a panel’s mean per minute with fill(null), aligned to the epoch', async () => {
    const q = `SELECT mean("usage") FROM "cpu" WHERE time >= ${start}ms and time <= ${start + 4 * minute - 1}ms GROUP BY time(1m) fill(null)`;
    const res = await grafanaQuery(q).expect(200);
    expect(res.body.results).toEqual([
      {
        statement_id: 0,
        series: [
          {
            name: 'cpu',
            columns: ['time', 'mean'],
            values: [
              [start, 15],
              [start + minute, 30],
              [start + 2 * minute, null],
              [start + 3 * minute, 50],
            ],
          },
        ],
      },
    ]);
  });

  it('filters and groups by tag, and answers several statements in order', async () => {
    const q = [
      `SELECT max("usage"), count("usage") FROM "cpu" WHERE ("host" = 'a') AND time >= ${start}ms and time <= ${start + 4 * minute}ms GROUP BY time(2m) fill(none)`,
      `SELECT sum("usage") FROM "cpu" WHERE time >= ${start}ms GROUP BY "host"`,
      'SHOW TAG VALUES FROM "cpu" WITH KEY = "host"',
    ].join(';');
    const res = await grafanaQuery(q).expect(200);
    expect(res.body.results).toEqual([
      {
        statement_id: 0,
        series: [
          {
            name: 'cpu',
            columns: ['time', 'max', 'count'],
            values: [
              [start, 30, 2],
              [start + 2 * minute, 50, 1],
            ],
          },
        ],
      },
      {
        statement_id: 1,
        series: [
          { name: 'cpu', tags: { host: 'a' }, columns: ['time', 'sum'], values: [[start, 90]] },
          { name: 'cpu', tags: { host: 'b' }, columns: ['time', 'sum'], values: [[start, 20]] },
        ],
      },
      {
        statement_id: 2,
        series: [
          {
            name: 'cpu',
            columns: ['key', 'value'],
            values: [
              ['host', 'a'],
              ['host', 'b'],
            ],
          },
        ],
      },
    ]);
  });

  it('lists field keys with InfluxDB types, and gives RFC 3339 times without epoch', async () => {
    const fields = await grafanaQuery('SHOW FIELD KEYS FROM "mem"').expect(200);
    expect(fields.body.results[0].series).toEqual([
      {
        name: 'mem',
        columns: ['fieldKey', 'fieldType'],
        values: [
          ['free', 'float'],
          ['ok', 'boolean'],
        ],
      },
    ]);
    const raw = await app()
      .http.get('/query')
      .query({ db, q: 'SELECT "free", "ok" FROM "mem"' })
      .set('Authorization', basic(tenant.readKey))
      .expect(200);
    expect(raw.body.results[0].series).toEqual([
      { name: 'mem', columns: ['time', 'free', 'ok'], values: [[new Date(start).toISOString().replace('.000Z', 'Z'), 1.5, true]] },
    ]);
  });

  it('puts a statement it cannot answer in its result, with 200', async () => {
    const res = await grafanaQuery('DROP MEASUREMENT "cpu"; SHOW MEASUREMENTS LIMIT 1').expect(200);
    expect(res.body.results[0]).toEqual({ statement_id: 0, error: expect.stringMatching(/^error parsing query: /) });
    expect(res.body.results[1].series[0].values).toEqual([['cpu']]);
  });

  it('takes the key as u= and p=, and refuses a missing q with 400', async () => {
    const res = await app().http.get('/query').query({ db, q: 'SHOW MEASUREMENTS', u: 'grafana', p: tenant.readKey }).expect(200);
    expect(res.body.results[0].series[0].values).toEqual([['cpu'], ['mem']]);
    const missing = await app().http.get('/query').query({ db }).set('Authorization', basic(tenant.readKey));
    expect([missing.status, missing.body]).toEqual([400, { error: 'missing required parameter "q"' }]);
  });

  it('lists as databases the buckets the key may read', async () => {
    const other = await createBucket(app(), tenant.adminKey, `second ${tenant.bucketId}`);
    const names = async (key: string) =>
      (await app().http.get('/query').query({ q: 'SHOW DATABASES' }).set('Authorization', basic(key)).expect(200)).body.results[0]
        .series[0];
    expect(await names(tenant.readKey)).toEqual({ name: 'databases', columns: ['name'], values: [[db]] });
    expect((await names(tenant.adminKey)).values).toEqual([[db], [`second ${tenant.bucketId}`]]);
    expect(other).toBeDefined();
  });

  it('answers 401 and 404 in InfluxDB 1.x words', async () => {
    const wrong = await grafanaQuery('SHOW MEASUREMENTS', `dakkio_r_${'Z'.repeat(40)}`);
    expect([wrong.status, wrong.body]).toEqual([401, { error: 'authorization failed' }]);
    const stranger = await createTenant(app());
    const foreign = await app().http.get('/query').query({ db, q: 'SHOW MEASUREMENTS' }).set('Authorization', basic(stranger.readKey));
    expect([foreign.status, foreign.body]).toEqual([404, { error: 'Bucket not found' }]);
  });
});

describe('POST /query', () => {
  it('takes q from a form body, as Grafana sends it with the POST method', async () => {
    const res = await app()
      .http.post(`/query?db=${encodeURIComponent(db)}&epoch=ms`)
      .set('Authorization', basic(tenant.readKey))
      .type('form')
      .send({ q: `SELECT last("usage") FROM "cpu" WHERE time >= ${start}ms` })
      .expect(200);
    expect(res.body.results).toEqual([
      { statement_id: 0, series: [{ name: 'cpu', columns: ['time', 'last'], values: [[start + 3 * minute, 50]] }] },
    ]);
  });
});
