import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Types } from 'mongoose';
import { DataPointModel } from '../src/modules/points/model';
import { DataSourceModel } from '../src/modules/sources/model';
import { expectNoServerErrorsAfterEach } from './support/assertions';
import { createTenant, type Tenant } from './support/tenants';
import { useTestApp } from './support/testApp';

/**
 * Hostile requests to the InfluxDB write routes (the table-driven hostile-input suite covers
 * dakkio's own routes): each gets a 4xx in the route's InfluxDB shape, or a 204 where the
 * request is harmless, and never a 5xx, a polluted prototype or a point that should not be.
 */

const app = useTestApp({ LINE_PROTOCOL_MAX_BYTES: String(256 * 1024) });
expectNoServerErrorsAfterEach(app);

const routes = [
  { label: 'POST /write', path: (db: string) => `/write?db=${encodeURIComponent(db)}&precision=ms`, dialect: 'v1' },
  { label: 'POST /api/v2/write', path: (db: string) => `/api/v2/write?bucket=${encodeURIComponent(db)}&precision=ms`, dialect: 'v2' },
] as const;

interface Hostile {
  name: string;
  query?: (bucketId: string) => string;
  headers?: Record<string, string>;
  body: string | Buffer;
  /** 'ok': 204. A number: that 4xx. */
  expect: 'ok' | number;
}

const t = Date.now() - 60_000;
const cases: Hostile[] = [
  { name: 'random bytes → 400', body: randomBytes(4096), expect: 400 },
  { name: 'NUL bytes in names → 400', body: `m\u0000x v=1 ${t}\nm,t\u0000=1 v=1 ${t}`, expect: 400 },
  { name: 'NaN, Inf and hex numbers → 400', body: `m v=NaN\nm v=Inf\nm v=0x10\nm v=1e400`, expect: 400 },
  { name: 'a 200 KiB line → 400 (no field that long fits a schema) or stored', body: `m s="${'x'.repeat(200 * 1024)}" ${t}`, expect: 400 },
  { name: 'a body past the limit → 413', body: `m v=1 ${t}\n`.repeat(20_000), expect: 413 },
  {
    name: 'a gzip bomb (10 MB of zeros) → 413',
    headers: { 'Content-Encoding': 'gzip' },
    body: gzipSync(Buffer.alloc(10 * 1024 * 1024, 48)),
    expect: 413,
  },
  { name: 'a corrupt gzip body → 400', headers: { 'Content-Encoding': 'gzip' }, body: Buffer.from('1f8b0800', 'hex'), expect: 400 },
  { name: 'an unknown Content-Encoding → 415', headers: { 'Content-Encoding': 'zstd' }, body: `m v=1 ${t}`, expect: 415 },
  {
    name: 'a UTF-16 charset is decoded, not misread → 204',
    headers: { 'Content-Type': 'text/plain; charset=utf-16le' },
    body: Buffer.from(`utf16 v=1 ${t}`, 'utf16le'),
    expect: 'ok',
  },
  {
    name: '__proto__ as tag key and field → 400, nothing polluted',
    body: `p,__proto__=x v=1 ${t}\np __proto__=1 ${t}\np constructor=1 ${t}\np,constructor=x v=1 ${t}`,
    expect: 400,
  },
  { name: 'field names that cannot be document keys ($x, a.b) → 400', body: `q $x=1 ${t}\nq a.b=1 ${t}`, expect: 400 },
  { name: 'a tag value of 300 characters → 400', body: `m,t=${'v'.repeat(300)} v=1 ${t}`, expect: 400 },
  {
    name: '40 tags (metadata takes 32) → 400',
    body: `m,${Array.from({ length: 40 }, (_, i) => `t${i}=v`).join(',')} v=1 ${t}`,
    expect: 400,
  },
  {
    name: '500 fields in one line (a source takes 100) → 400',
    body: `wide ${Array.from({ length: 500 }, (_, i) => `f${i}=1`).join(',')} ${t}`,
    expect: 400,
  },
  { name: 'an empty body → 204', body: '', expect: 'ok' },
  { name: 'only comments and blank lines → 204', body: '# comment\n\n   \n# another\r\n', expect: 'ok' },
  { name: 'the bucket named by an operator ({"$ne":null}) → 404', query: () => '{"$ne":null}', body: `m v=1 ${t}`, expect: 404 },
  { name: 'the bucket as a regex (.*) → 404', query: () => '.*', body: `m v=1 ${t}`, expect: 404 },
];

const keyCases: { name: string; headers: Record<string, string> }[] = [
  { name: 'Basic without a colon', headers: { Authorization: `Basic ${Buffer.from('dakkio_w_x').toString('base64')}` } },
  { name: 'Basic that is not base64', headers: { Authorization: 'Basic %%%%' } },
  { name: 'an empty Token', headers: { Authorization: 'Token ' } },
  { name: 'an unknown scheme', headers: { Authorization: 'Digest abc' } },
  { name: 'a 10 kB token', headers: { Authorization: `Token ${'A'.repeat(10_000)}` } },
];

let tenant: Tenant;
beforeAll(async () => {
  tenant = await createTenant(app());
});

const storedPoints = () => DataPointModel.countDocuments({ bucketId: new Types.ObjectId(tenant.bucketId) });

/** The route's InfluxDB error shape, and nothing else. */
function expectInfluxError(dialect: 'v1' | 'v2', body: Record<string, unknown>) {
  if (dialect === 'v1') {
    expect(Object.keys(body)).toEqual(['error']);
    expect(typeof body.error).toBe('string');
  } else {
    expect(Object.keys(body).filter((key) => key !== 'line')).toEqual(['code', 'message']);
    expect(typeof body.message).toBe('string');
  }
}

describe.each(routes)('$label', (route) => {
  it.each(cases.map((hostile) => [hostile.name, hostile] as const))('%s', async (_name, hostile) => {
    const before = await storedPoints();
    let req = app()
      .http.post(route.path(hostile.query?.(tenant.bucketId) ?? tenant.bucketId))
      .set('Authorization', `Token ${tenant.writeKey}`);
    for (const [name, value] of Object.entries(hostile.headers ?? {})) req = req.set(name, value);
    const res = await req.send(hostile.body);
    expect(res.status).toBe(hostile.expect === 'ok' ? 204 : hostile.expect);
    if (hostile.expect !== 'ok') {
      expectInfluxError(route.dialect, res.body);
      expect(await storedPoints()).toBe(before);
    }
    expect(({} as Record<string, unknown>).v).toBeUndefined();
    const points = await DataPointModel.collection.find({ bucketId: new Types.ObjectId(tenant.bucketId) }).toArray();
    const reservedKeys = points
      .flatMap((point) => [...Object.keys(point.values), ...Object.keys(point.metadata)])
      .filter((key) => key === '__proto__');
    expect(reservedKeys).toEqual([]);
  });

  it.each(keyCases.map((hostile) => [hostile.name, hostile] as const))('key as %s → 401', async (_name, hostile) => {
    let req = app().http.post(route.path(tenant.bucketId));
    for (const [name, value] of Object.entries(hostile.headers)) req = req.set(name, value);
    const res = await req.send(`m v=1 ${t}`);
    expect(res.status).toBe(401);
    expectInfluxError(route.dialect, res.body);
  });

  it('a repeated bucket or precision parameter → 400', async () => {
    const param = route.dialect === 'v1' ? 'db' : 'bucket';
    for (const query of [
      `${param}=${tenant.bucketId}&${param}=${tenant.bucketId}`,
      `${param}=${tenant.bucketId}&precision=s&precision=ms`,
    ]) {
      const path = route.dialect === 'v1' ? `/write?${query}` : `/api/v2/write?${query}`;
      const res = await app().http.post(path).set('Authorization', `Token ${tenant.writeKey}`).send(`m v=1 ${t}`);
      expect(res.status).toBe(400);
      expectInfluxError(route.dialect, res.body);
    }
  });
});

describe('line protocol and the data-source limit', () => {
  it('creates sources up to MAX_SOURCES_PER_BUCKET and refuses the lines of the rest', async () => {
    const limited = await createTenant(app());
    const body = Array.from({ length: 250 }, (_, i) => `many_${i} v=${i} ${t}`).join('\n');
    const res = await app()
      .http.post(`/api/v2/write?bucket=${limited.bucketId}`)
      .set('Authorization', `Token ${limited.writeKey}`)
      .send(body);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/dropped=50$/);
    expect(res.body.message).toContain('at most 200 data sources');
    expect(await DataSourceModel.countDocuments({ bucketId: new Types.ObjectId(limited.bucketId) })).toBe(200);
    expect(await DataPointModel.countDocuments({ bucketId: new Types.ObjectId(limited.bucketId) })).toBe(200);
  }, 60_000);
});
