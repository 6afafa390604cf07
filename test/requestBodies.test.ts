import { gzipSync } from 'node:zlib';
import mongoose, { Types } from 'mongoose';
import { rawRequest, type RawAnswer } from './support/http';
import { createBucket, createBucketKey, createOrganization, createTenant, type Tenant } from './support/tenants';
import { useTestApp, type TestApp } from './support/testApp';

const storedPoints = (bucketId: string) =>
  mongoose.connection.collection('datapoints').countDocuments({ bucketId: new Types.ObjectId(bucketId) });
const storedSources = (bucketId: string) =>
  mongoose.connection.collection('datasources').countDocuments({ bucketId: new Types.ObjectId(bucketId) });

async function createSource(app: TestApp, tenant: Tenant): Promise<string> {
  const res = await app.http
    .post(`/api/buckets/${tenant.bucketId}/sources`)
    .set('X-API-Key', tenant.adminKey)
    .send({ name: `source ${new Types.ObjectId().toHexString()}`, schema: { temperature: 'number' } })
    .expect(201);
  return res.body.dataSource._id as string;
}

/** Posts exactly these bytes with this Content-Type and the tenant's write key. */
async function post(app: TestApp, path: string, key: string, body: Buffer, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const answer = await rawRequest(app, {
    method: 'POST',
    path,
    headers: { 'X-API-Key': key, 'Content-Length': body.length, ...headers },
    body,
  });
  if (answer === 'no response') throw new Error(`no response to POST ${path}`);
  return answer;
}

describe('JSON request bodies', () => {
  const app = useTestApp({ RATE_LIMIT_PER_KEY: '100000', RATE_LIMIT_PER_IP: '100000' });

  describe('charset: only UTF-8 JSON is accepted', () => {
    const sourceText = (schemaExtra: string) =>
      `{"name":"source ${new Types.ObjectId().toHexString()}","schema":{"temperature":"number",${schemaExtra}}}`;

    it('refuses a UTF-16LE data source whose schema has a field __proto__ with 415, storing nothing', async () => {
      const tenant = await createTenant(app());
      const res = await post(
        app(),
        `/api/buckets/${tenant.bucketId}/sources`,
        tenant.writeKey,
        Buffer.from(sourceText('"__proto__":"number"'), 'utf16le'),
        {
          'Content-Type': 'application/json; charset=utf-16le',
        },
      );
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({ error: 'Unsupported Media Type' });
      expect(await storedSources(tenant.bucketId)).toBe(0);
    });

    it('refuses a UTF-16LE point whose values contain __proto__ with 415, storing nothing', async () => {
      const tenant = await createTenant(app());
      const dataSourceId = await createSource(app(), tenant);
      const text = `{"bucketId":"${tenant.bucketId}","dataSourceId":"${dataSourceId}","values":{"temperature":1,"__proto__":{"polluted":true}}}`;
      const res = await post(app(), '/api/data', tenant.writeKey, Buffer.from(text, 'utf16le'), {
        'Content-Type': 'application/json; charset=utf-16le',
      });
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({ error: 'Unsupported Media Type' });
      expect(await storedPoints(tenant.bucketId)).toBe(0);
    });

    // "+AF8AXw-" is UTF-7 for "__": the body never spells __proto__ in its bytes.
    it.each([
      ['utf-7', '"+AF8AXw-proto+AF8AXw-":"number"'],
      ['latin1', '"humidity":"number"'],
    ])('refuses charset=%s with 415, storing nothing', async (charset, extra) => {
      const tenant = await createTenant(app());
      const res = await post(app(), `/api/buckets/${tenant.bucketId}/sources`, tenant.writeKey, Buffer.from(sourceText(extra), 'latin1'), {
        'Content-Type': `application/json; charset=${charset}`,
      });
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({ error: 'Unsupported Media Type' });
      expect(await storedSources(tenant.bucketId)).toBe(0);
    });

    it.each([
      'application/json; charset=utf-8',
      'application/json; charset=UTF-8',
      'application/json; charset="utf-8"',
      'application/json',
    ])('accepts Content-Type %s (201)', async (contentType) => {
      const tenant = await createTenant(app());
      const res = await post(
        app(),
        `/api/buckets/${tenant.bucketId}/sources`,
        tenant.writeKey,
        Buffer.from(sourceText('"label":"string"'), 'utf8'),
        {
          'Content-Type': contentType,
        },
      );
      expect(res.status).toBe(201);
      expect(await storedSources(tenant.bucketId)).toBe(1);
    });
  });

  describe('deeply nested values', () => {
    // ~10 KB of JSON: an array is an object to JavaScript, and 2 bytes a level.
    const deep = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
    const deepObject = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

    it.each([
      ['arrays', deep],
      ['objects', deepObject],
    ])('POST /api/data with values nested 5000 levels deep (%s) and an Idempotency-Key → 400, nothing stored', async (_kind, nest) => {
      const tenant = await createTenant(app());
      const dataSourceId = await createSource(app(), tenant);
      const text = `{"bucketId":"${tenant.bucketId}","dataSourceId":"${dataSourceId}","values":{"a":${nest(5000)}}}`;
      const res = await post(app(), '/api/data', tenant.writeKey, Buffer.from(text), {
        'Content-Type': 'application/json',
        'Idempotency-Key': `deep-${new Types.ObjectId().toHexString()}`,
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'Validation Error' });
      expect(await storedPoints(tenant.bucketId)).toBe(0);
    });

    it.each([
      ['arrays', deep],
      ['objects', deepObject],
    ])(
      'POST /api/data/batch with one point nested 5000 levels deep (%s) and an Idempotency-Key → 400, nothing stored',
      async (_kind, nest) => {
        const tenant = await createTenant(app());
        const dataSourceId = await createSource(app(), tenant);
        const text = `{"bucketId":"${tenant.bucketId}","dataPoints":[{"dataSourceId":"${dataSourceId}","values":{"a":${nest(5000)}}}]}`;
        const res = await post(app(), '/api/data/batch', tenant.writeKey, Buffer.from(text), {
          'Content-Type': 'application/json',
          'Idempotency-Key': `deep-${new Types.ObjectId().toHexString()}`,
        });
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ error: 'Validation Error' });
        expect(await storedPoints(tenant.bucketId)).toBe(0);
      },
    );
  });

  describe('400 bodies are bounded', () => {
    it('POST /api/data/batch with 3000 problems (gzip) → 400 listing 100 of them and how many were left out', async () => {
      const tenant = await createTenant(app());
      const dataSourceId = await createSource(app(), tenant);
      const dataPoints = Array.from({ length: 1000 }, (_, n) => ({
        dataSourceId,
        values: { temperature: n },
        unknownOne: 1,
        unknownTwo: 'x',
        unknownThree: true,
      }));
      const totalProblems = 3000;
      const body = gzipSync(Buffer.from(JSON.stringify({ bucketId: tenant.bucketId, dataPoints })));
      const res = await post(app(), '/api/data/batch', tenant.writeKey, body, {
        'Content-Type': 'application/json',
        'Content-Encoding': 'gzip',
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'Validation Error', message: 'Invalid request parameters' });
      expect(res.body.details).toHaveLength(100);
      expect(res.body.detailsOmitted).toBe(totalProblems - 100);
      expect(Buffer.byteLength(res.text)).toBeLessThan(30 * 1024);
      expect(await storedPoints(tenant.bucketId)).toBe(0);
    });
  });
});

describe('POST /api/data from a key over its rate limit (RATE_LIMIT_PER_KEY=2)', () => {
  const app = useTestApp({ RATE_LIMIT_PER_KEY: '2', RATE_LIMIT_PER_IP: '100000' });

  /** A write key that has made its 2 requests of the window (its admin key too, making it). */
  async function spentWriteKey() {
    const organization = await createOrganization(app());
    const bucketId = await createBucket(app(), organization.adminKey);
    const write = await createBucketKey(app(), organization.adminKey, bucketId, 'write');
    for (let n = 0; n < 2; n += 1) {
      await app().http.get(`/api/buckets/${bucketId}/sources`).set('X-API-Key', write.key).expect(200);
    }
    return { bucketId, key: write.key };
  }

  const malformed = (bucketId: string) => Buffer.from(`{"bucketId":"${bucketId}","values":{`);

  it('control: under the limit, malformed JSON is a 400', async () => {
    const organization = await createOrganization(app());
    const bucketId = new Types.ObjectId().toHexString();
    const res = await post(app(), '/api/data', organization.adminKey, malformed(bucketId), { 'Content-Type': 'application/json' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'Validation Error' });
  });

  it('answers malformed JSON from a key past its limit with 429, not 400', async () => {
    const spent = await spentWriteKey();
    const res = await post(app(), '/api/data', spent.key, malformed(spent.bucketId), { 'Content-Type': 'application/json' });
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ error: 'Too Many Requests' });
    expect(await storedPoints(spent.bucketId)).toBe(0);
  });

  it('answers 429 within 3 s to a key past its limit that announces 1 MB and sends 10 bytes', async () => {
    const spent = await spentWriteKey();
    const answer = await rawRequest(app(), {
      method: 'POST',
      path: '/api/data',
      headers: { 'X-API-Key': spent.key, 'Content-Type': 'application/json', 'Content-Length': 1_000_000 },
      body: Buffer.from('{"bucketId'),
      keepOpen: true,
      waitMs: 3000,
    });
    expect(answer === 'no response' ? 'no response within 3000 ms' : answer.status).toBe(429);
    expect((answer as RawAnswer).body).toMatchObject({ error: 'Too Many Requests' });
  });
});
