import { gzipSync } from 'node:zlib';
import { Types } from 'mongoose';
import { DataPointModel } from '../src/modules/points/model';
import { DataSourceModel } from '../src/modules/sources/model';
import type { PointsCommitted } from '../src/modules/ingest/pointsCommitted';
import { storedCounts } from './support/assertions';
import { createBucket, createBucketKey, createDataSource, createOrganization, createTenant, type Tenant } from './support/tenants';
import { useTestApp } from './support/testApp';

const app = useTestApp();

const idOf = (hex: string) => new Types.ObjectId(hex);

/** What a bucket holds, as line protocol would read it back: measurement, time, fields, tags. */
async function storedIn(bucketId: string) {
  const sources = await DataSourceModel.find({ bucketId: idOf(bucketId) }).lean();
  const nameOf = new Map(sources.map((source) => [source._id.toHexString(), source.name]));
  const points = await DataPointModel.collection
    .find({ bucketId: idOf(bucketId) })
    .sort({ timestamp: 1, _id: 1 })
    .toArray();
  return points.map((point) => ({
    measurement: nameOf.get(point.dataSourceId.toHexString()),
    time: (point.timestamp as Date).toISOString(),
    values: point.values as Record<string, unknown>,
    metadata: point.metadata as Record<string, unknown>,
  }));
}

const schemaOf = async (bucketId: string, name: string) =>
  (await DataSourceModel.findOne({ bucketId: idOf(bucketId), name }).lean())?.schema;

const bucketNameOf = async (tenant: Tenant) =>
  (await app().http.get(`/api/buckets/${tenant.bucketId}`).set('X-API-Key', tenant.adminKey).expect(200)).body.bucket.name as string;

const v2Write = (bucket: string, precision = 'ms') =>
  app().http.post(`/api/v2/write?org=o&bucket=${encodeURIComponent(bucket)}&precision=${precision}`);
const v1Write = (db: string, precision = 'ms') => app().http.post(`/write?db=${encodeURIComponent(db)}&precision=${precision}&rp=`);

const t0 = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
const iso0 = new Date(t0).toISOString();

describe('GET /ping', () => {
  it('answers 204 with X-Influxdb-Version to GET and HEAD, without a key', async () => {
    for (const method of ['get', 'head'] as const) {
      const res = await app().http[method]('/ping');
      expect(res.status).toBe(204);
      expect(res.headers['x-influxdb-version']).toMatch(/^1\.\d+\.\d+$/);
      expect(res.text ?? '').toBe('');
    }
  });
});

describe('POST /api/v2/write', () => {
  it('stores every line, creating the data source with the fields’ types (type "line-protocol")', async () => {
    const tenant = await createTenant(app());
    const res = await v2Write(tenant.bucketId)
      .set('Authorization', `Token ${tenant.writeKey}`)
      .set('Content-Type', 'text/plain; charset=utf-8')
      .send(`cpu,host=a usage=0.5,count=3i,up=true,label="x y" ${t0}\ncpu,host=b usage=1 ${t0 + 1000}\n`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(await storedIn(tenant.bucketId)).toEqual([
      { measurement: 'cpu', time: iso0, values: { usage: 0.5, count: 3, up: true, label: 'x y' }, metadata: { host: 'a' } },
      { measurement: 'cpu', time: new Date(t0 + 1000).toISOString(), values: { usage: 1 }, metadata: { host: 'b' } },
    ]);
    const source = await DataSourceModel.findOne({ bucketId: idOf(tenant.bucketId) }).lean();
    expect(source).toMatchObject({
      name: 'cpu',
      type: 'line-protocol',
      schema: { usage: { type: 'number' }, count: { type: 'number' }, up: { type: 'boolean' }, label: { type: 'string' } },
    });
  });

  it('stores the good lines of a partial write and answers 400 with code, first bad line and every reason', async () => {
    const tenant = await createTenant(app());
    const res = await v2Write(await bucketNameOf(tenant), 's')
      .set('Authorization', `Token ${tenant.writeKey}`)
      .send('m v=1 1700000000\nbad line\nm v="text" 1700000001\nm v=2 1700000002\nm v=3i,v=4 1700000003');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      code: 'invalid',
      line: 2,
      message:
        "partial write: unable to parse 'bad line': invalid field format\n" +
        'unable to parse \'m v="text" 1700000001\': field type conflict: input field "v" on measurement "m" is type string, already exists as type number dropped=2',
    });
    // Duplicate fields in a line: the last wins, as in InfluxDB.
    expect((await storedIn(tenant.bucketId)).map((point) => point.values)).toEqual([{ v: 1 }, { v: 2 }, { v: 4 }]);
  });

  it('reports at most 100 bad lines, and counts them all in dropped=', async () => {
    const tenant = await createTenant(app());
    const body = Array.from({ length: 150 }, (_, i) => `broken${i}`).join('\n');
    const res = await v2Write(tenant.bucketId).set('Authorization', `Token ${tenant.writeKey}`).send(body);
    expect(res.status).toBe(400);
    expect(res.body.line).toBe(1);
    expect(res.body.message.match(/unable to parse/g)).toHaveLength(100);
    expect(res.body.message).toMatch(/ dropped=150$/);
    expect(await storedIn(tenant.bucketId)).toEqual([]);
  });

  it('reads nanosecond timestamps as BigInt in every precision, and refuses the ones v2 does not name', async () => {
    const tenant = await createTenant(app());
    const at = { ns: `${t0}123456`, us: `${t0}123`, ms: `${t0}`, s: `${Math.floor(t0 / 1000)}` };
    for (const [precision, ts] of Object.entries(at)) {
      await v2Write(tenant.bucketId, precision)
        .set('Authorization', `Token ${tenant.writeKey}`)
        .send(`p_${precision} v=1 ${ts}`)
        .expect(204);
    }
    const times = Object.fromEntries((await storedIn(tenant.bucketId)).map((point) => [point.measurement, point.time]));
    expect(times).toEqual({ p_ns: iso0, p_us: iso0, p_ms: iso0, p_s: new Date(Math.floor(t0 / 1000) * 1000).toISOString() });
    for (const precision of ['u', 'n', 'm', 'h', 'xx']) {
      const res = await v2Write(tenant.bucketId, precision).set('Authorization', `Token ${tenant.writeKey}`).send(`p v=1 ${t0}`);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ code: 'invalid', message: 'invalid precision; valid precision units are ns, us, ms, and s' });
    }
  });

  it('takes the key as Token, Token user:key, Bearer, Basic password or X-API-Key, not as p=', async () => {
    const tenant = await createTenant(app());
    const basic = Buffer.from(`anyone:${tenant.writeKey}`).toString('base64');
    const forms: [string, string][] = [
      ['Authorization', `Token ${tenant.writeKey}`],
      ['Authorization', `Token telegraf:${tenant.writeKey}`],
      ['Authorization', `Bearer ${tenant.writeKey}`],
      ['Authorization', `Basic ${basic}`],
      ['X-API-Key', tenant.writeKey],
    ];
    for (const [i, [header, value]] of forms.entries()) {
      await v2Write(tenant.bucketId)
        .set(header, value)
        .send(`auth v=${i} ${t0 + i}`)
        .expect(204);
    }
    expect((await storedIn(tenant.bucketId)).map((point) => point.values.v)).toEqual([0, 1, 2, 3, 4]);
    const res = await app().http.post(`/api/v2/write?bucket=${tenant.bucketId}&p=${tenant.writeKey}`).send('auth v=9');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid');
  });

  it('answers 401 and 403 in InfluxDB 2.x words, storing nothing', async () => {
    const tenant = await createTenant(app());
    const before = await storedCounts();
    const unknown = await v2Write(tenant.bucketId)
      .set('Authorization', `Token dakkio_w_${'A'.repeat(40)}`)
      .send('m v=1');
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual({ code: 'unauthorized', message: 'unauthorized access' });
    const read = await v2Write(tenant.bucketId).set('Authorization', `Token ${tenant.readKey}`).send('m v=1');
    expect(read.status).toBe(403);
    expect(read.body).toEqual({ code: 'forbidden', message: 'Only Admin and Write keys can write data' });
    expect(await storedCounts()).toEqual(before);
  });

  it('answers one identical 404 for an unknown bucket, another bucket and another organization’s bucket, by id or by name', async () => {
    const tenant = await createTenant(app());
    const otherBucketName = `other ${new Types.ObjectId().toHexString()}`;
    const otherBucketId = await createBucket(app(), tenant.adminKey, otherBucketName);
    const stranger = await createOrganization(app());
    const strangerName = `stranger ${new Types.ObjectId().toHexString()}`;
    const strangerBucketId = await createBucket(app(), stranger.adminKey, strangerName);
    const answers = [];
    for (const [key, bucket] of [
      [tenant.writeKey, 'no such bucket'],
      [tenant.writeKey, new Types.ObjectId().toHexString()],
      [tenant.writeKey, otherBucketId],
      [tenant.writeKey, otherBucketName],
      [tenant.adminKey, strangerBucketId],
      [tenant.adminKey, strangerName],
    ] as const) {
      const res = await v2Write(bucket).set('Authorization', `Token ${key}`).send('m v=1');
      answers.push({ status: res.status, body: res.body });
    }
    expect(new Set(answers.map((answer) => JSON.stringify(answer)))).toEqual(
      new Set([JSON.stringify({ status: 404, body: { code: 'not found', message: 'Bucket not found' } })]),
    );
    // The admin key names its own organization's buckets by name too.
    await v2Write(otherBucketName).set('Authorization', `Token ${tenant.adminKey}`).send(`m v=1 ${t0}`).expect(204);
    expect(await storedIn(otherBucketId)).toHaveLength(1);
  });

  it('inflates gzip bodies and reads any or no Content-Type, CRLF line ends and a leading space', async () => {
    const tenant = await createTenant(app());
    const lines = Array.from({ length: 200 }, (_, i) => `g,n=${i} v=${i} ${t0 + i}`).join('\n');
    await v2Write(tenant.bucketId)
      .set('Authorization', `Token ${tenant.writeKey}`)
      .set('Content-Encoding', 'gzip')
      .set('Content-Type', 'text/plain; charset=utf-8')
      .send(gzipSync(lines))
      .expect(204);
    await v2Write(tenant.bucketId)
      .set('Authorization', `Token ${tenant.writeKey}`)
      .set('Content-Type', '')
      .send(` c v=1 ${t0}\n`)
      .expect(204);
    await v2Write(tenant.bucketId)
      .set('Authorization', `Token ${tenant.writeKey}`)
      .set('Content-Type', 'application/json')
      .send(`crlf v=1 ${t0}\r\ncrlf v=2 ${t0 + 1}\r\n`)
      .expect(204);
    const stored = await storedIn(tenant.bucketId);
    expect(stored.filter((point) => point.measurement === 'g')).toHaveLength(200);
    expect(stored.filter((point) => point.measurement === 'crlf').map((point) => point.values.v)).toEqual([1, 2]);
    expect(stored.filter((point) => point.measurement === 'c')).toHaveLength(1);
  });

  it('refuses i and u integers beyond ±(2^53−1), and stores the ones within exactly', async () => {
    const tenant = await createTenant(app());
    const max = Number.MAX_SAFE_INTEGER;
    const res = await v2Write(tenant.bucketId)
      .set('Authorization', `Token ${tenant.writeKey}`)
      .send(
        `big v=${max}i ${t0}\nbig v=-${max}i ${t0 + 1}\nbig v=${max + 1}i ${t0 + 2}\nbig v=${max + 1}u ${t0 + 3}\nbig v=-${max + 1}i ${t0 + 4}`,
      );
    expect(res.status).toBe(400);
    expect(res.body.line).toBe(3);
    expect(res.body.message).toMatch(/dropped=3$/);
    expect(res.body.message).toContain('beyond ±(2^53−1)');
    expect((await storedIn(tenant.bucketId)).map((point) => point.values.v)).toEqual([max, -max]);
  });

  it('publishes the stored points to the consumers of committed points, as line protocol', async () => {
    const tenant = await createTenant(app());
    const seen: PointsCommitted[] = [];
    const unsubscribe = app().deps.pointsCommitted.subscribe((event) => {
      if (event.bucketId === tenant.bucketId) seen.push(event);
    });
    await v2Write(tenant.bucketId)
      .set('Authorization', `Token ${tenant.writeKey}`)
      .send(`ev v=1 ${t0}\nev v=2 ${t0 + 1}`)
      .expect(204);
    await new Promise((resolve) => setTimeout(resolve, 50));
    unsubscribe();
    expect(seen.map((event) => [event.transport, event.points.map((point) => point.values.v)])).toEqual([['line-protocol', [1, 2]]]);
  });
});

describe('POST /write', () => {
  it('reads every 1.x precision (u is microseconds) and takes the key as Basic password or p=', async () => {
    const tenant = await createTenant(app());
    const name = await bucketNameOf(tenant);
    const at: Record<string, string> = {
      n: `${t0}000000`,
      ns: `${t0}000000`,
      u: `${t0}000`,
      us: `${t0}000`,
      ms: `${t0}`,
      s: `${Math.floor(t0 / 1000)}`,
      m: `${Math.floor(t0 / 60_000)}`,
      h: `${Math.floor(t0 / 3_600_000)}`,
    };
    const basic = Buffer.from(`u:${tenant.writeKey}`).toString('base64');
    for (const [precision, ts] of Object.entries(at)) {
      await v1Write(name, precision).set('Authorization', `Basic ${basic}`).send(`p_${precision} v=1 ${ts}`).expect(204);
    }
    await app().http.post(`/write?db=${tenant.bucketId}&u=x&p=${tenant.writeKey}&precision=ms`).send(`by_p v=1 ${t0}`).expect(204);
    const times = Object.fromEntries((await storedIn(tenant.bucketId)).map((point) => [point.measurement, point.time]));
    const isoOf = (ms: number) => new Date(ms).toISOString();
    expect(times).toEqual({
      p_n: iso0,
      p_ns: iso0,
      p_u: iso0,
      p_us: iso0,
      p_ms: iso0,
      p_s: isoOf(Math.floor(t0 / 1000) * 1000),
      p_m: isoOf(Math.floor(t0 / 60_000) * 60_000),
      p_h: isoOf(Math.floor(t0 / 3_600_000) * 3_600_000),
      by_p: iso0,
    });
    // The key given as p= is not in the request log.
    expect(app().logs.join('')).not.toContain(tenant.writeKey.slice(9));
    const unknown = await v1Write(name, 'us2').set('Authorization', `Basic ${basic}`).send(`p v=1 ${t0}`);
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({ error: 'invalid precision; valid precision units are n, ns, u, us, ms, s, m and h' });
  });

  it('answers in InfluxDB 1.x words: "partial write:" only when some lines were stored', async () => {
    const tenant = await createTenant(app());
    const auth = `Token ${tenant.writeKey}`;
    const none = await v1Write(tenant.bucketId).set('Authorization', auth).send('garbage\nmore garbage=');
    expect(none.status).toBe(400);
    expect(none.body).toEqual({
      error: "unable to parse 'garbage': missing fields\nunable to parse 'more garbage=': missing field value dropped=2",
    });
    const some = await v1Write(tenant.bucketId).set('Authorization', auth).send(`ok v=1 ${t0}\ngarbage`);
    expect(some.body).toEqual({ error: "partial write: unable to parse 'garbage': missing fields dropped=1" });
    const missing = await app().http.post('/write').set('Authorization', auth).send('ok v=1');
    expect(missing.status).toBe(400);
    expect(missing.body.error).toContain('"db" is required');
    const wrong = await v1Write(tenant.bucketId)
      .set('Authorization', `Token dakkio_w_${'B'.repeat(40)}`)
      .send('ok v=1');
    expect([wrong.status, wrong.body]).toEqual([401, { error: 'authorization failed' }]);
    expect(await storedIn(tenant.bucketId)).toHaveLength(1);
  });

  it('refuses a key-shaped value in any query parameter other than p', async () => {
    const tenant = await createTenant(app());
    const res = await app().http.post(`/write?db=${tenant.bucketId}&token=${tenant.writeKey}`).send('m v=1');
    expect(res.status).toBe(400);
    expect(res.body.error).toContain('never in the URL');
  });
});

describe('line protocol and data source schemas', () => {
  it('with sources:write, creates sources and grows their schemas; without it, refuses such lines and stores the rest', async () => {
    const tenant = await createTenant(app());
    const auth = `Token ${tenant.writeKey}`;
    await v2Write(tenant.bucketId).set('Authorization', auth).send(`room temp=20 ${t0}`).expect(204);
    await v2Write(tenant.bucketId)
      .set('Authorization', auth)
      .send(`room temp=21,hum=40i,door="open" ${t0 + 1}`)
      .expect(204);
    expect(await schemaOf(tenant.bucketId, 'room')).toEqual({
      temp: { type: 'number' },
      hum: { type: 'number' },
      door: { type: 'string' },
    });

    const narrow = await createBucketKey(app(), tenant.adminKey, tenant.bucketId, 'write', { scopes: ['data:write'] });
    const res = await v2Write(tenant.bucketId)
      .set('Authorization', `Token ${narrow.key}`)
      .send(`room temp=22 ${t0 + 2}\nroom temp=23,co2=400 ${t0 + 3}\nhall temp=1 ${t0 + 4}`);
    expect(res.status).toBe(400);
    expect(res.body.line).toBe(2);
    expect(res.body.message).toContain('field "co2" is not in the schema of data source "room"');
    expect(res.body.message).toContain('measurement "hall" is not a data source of this bucket');
    expect(await schemaOf(tenant.bucketId, 'room')).not.toHaveProperty('co2');
    expect(await schemaOf(tenant.bucketId, 'hall')).toBeUndefined();
    expect((await storedIn(tenant.bucketId)).map((point) => point.values.temp)).toEqual([20, 21, 22]);
  });

  it('makes one data source of a new measurement written by many requests at once', async () => {
    const tenant = await createTenant(app());
    const writes = Array.from({ length: 32 }, (_, i) =>
      v2Write(tenant.bucketId)
        .set('Authorization', `Token ${tenant.writeKey}`)
        .send(`burst,n=${i} v=${i},f${i % 4}=true ${t0 + i}`),
    );
    expect((await Promise.all(writes)).map((res) => res.status)).toEqual(Array(32).fill(204));
    const sources = await DataSourceModel.find({ bucketId: idOf(tenant.bucketId) }).lean();
    expect(sources.map((source) => source.name)).toEqual(['burst']);
    expect(Object.keys(sources[0]?.schema ?? {}).sort()).toEqual(['f0', 'f1', 'f2', 'f3', 'v']);
    expect(await DataPointModel.countDocuments({ dataSourceId: sources[0]?._id })).toBe(32);
  });

  it('writes into a source made through the API, whose schema decides the types', async () => {
    const tenant = await createTenant(app());
    const sourceId = await createDataSource(app(), tenant.adminKey, tenant.bucketId, { level: 'number', on: 'boolean' });
    const name = (await DataSourceModel.findById(sourceId).lean())?.name ?? '';
    const escaped = name.replace(/[ ,=]/g, (c) => `\\${c}`);
    const res = await v2Write(tenant.bucketId)
      .set('Authorization', `Token ${tenant.writeKey}`)
      .send(`${escaped} level=1.5,on=T ${t0}\n${escaped} level="high" ${t0 + 1}\n${escaped} on=1i ${t0 + 2}`);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('input field "level" on measurement');
    expect(res.body.message).toContain('is type integer, already exists as type boolean');
    const points = await DataPointModel.collection.find({ dataSourceId: idOf(sourceId) }).toArray();
    expect(points.map((point) => point.values)).toEqual([{ level: 1.5, on: true }]);
  });

  it('refuses tags that are not valid metadata and times POST /api/data would refuse', async () => {
    const tenant = await createTenant(app());
    const future = Date.now() + 2 * 3_600_000;
    const res = await v2Write(tenant.bucketId)
      .set('Authorization', `Token ${tenant.writeKey}`)
      .send([`t,site\\ name=x v=1 ${t0}`, `t v=1 -1000`, `t v=1 ${future}`, `t,ok=yes v=2 ${t0}`].join('\n'));
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/dropped=3$/);
    expect(await storedIn(tenant.bucketId)).toEqual([{ measurement: 't', time: iso0, values: { v: 2 }, metadata: { ok: 'yes' } }]);
  });
});

describe('line protocol refusal reasons', () => {
  it('names the rule a tag key or a new field name breaks', async () => {
    const tenant = await createTenant(app());
    const res = await v2Write(tenant.bucketId)
      .set('Authorization', `Token ${tenant.writeKey}`)
      .send(`r,t\\ k=v ok=1 ${t0}\nr bad-name=1,ok=2 ${t0 + 1}`);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(
      "partial write: unable to parse 'r,t\\ k=v ok=1 " +
        `${t0}': tag key "t k" is not a metadata key (1-64 letters, digits, _ or -, starting with a letter or _)\n` +
        `unable to parse 'r bad-name=1,ok=2 ${t0 + 1}': field name "bad-name" cannot be a data source field (1-64 letters, digits or _, not starting with a digit) dropped=2`,
    );
  });
});

describe('line-protocol body limit', () => {
  const small = useTestApp({ LINE_PROTOCOL_MAX_BYTES: '4096' });

  it('answers 413 past LINE_PROTOCOL_MAX_BYTES, counted after gzip is inflated', async () => {
    const tenant = await createTenant(small());
    const lines = Array.from({ length: 300 }, (_, i) => `big v=${i} ${t0 + i}`).join('\n');
    for (const body of [lines, gzipSync(lines)]) {
      const req = small().http.post(`/api/v2/write?bucket=${tenant.bucketId}`).set('Authorization', `Token ${tenant.writeKey}`);
      const res = await (Buffer.isBuffer(body) ? req.set('Content-Encoding', 'gzip').send(body) : req.send(body));
      expect(res.status).toBe(413);
      expect(res.body).toEqual({ code: 'request too large', message: 'unable to read data: points batch is too large' });
    }
    const v1 = await small().http.post(`/write?db=${tenant.bucketId}`).set('Authorization', `Token ${tenant.writeKey}`).send(lines);
    expect([v1.status, v1.body]).toEqual([413, { error: 'Request Entity Too Large' }]);
    const corrupt = await small()
      .http.post(`/api/v2/write?bucket=${tenant.bucketId}`)
      .set('Authorization', `Token ${tenant.writeKey}`)
      .set('Content-Encoding', 'gzip')
      .send(Buffer.from('not gzip at all'));
    expect(corrupt.status).toBe(400);
    expect(corrupt.body.code).toBe('invalid');
    expect(await storedIn(tenant.bucketId)).toEqual([]);
  });
});
