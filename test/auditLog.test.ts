import { randomUUID } from 'node:crypto';
import mongoose, { Types } from 'mongoose';
import { deleteOldAuditLogs } from '../src/modules/audit/auditLogs.service';
import { AuditLogModel, type AuditLogRecord } from '../src/modules/audit/model';
import { scheduleRetention } from '../src/modules/retention/retentionJob';
import { createLogger } from '../src/logger';
import { expectError, expectValidationErrorAt } from './support/assertions';
import { createBucket, createDataSource, createOrganization, createTenant, uniqueName, type Tenant } from './support/tenants';
import { useTestApp, type TestApp } from './support/testApp';

/**
 * The audit log of api.md §13: every change to buckets, keys, data sources and alert rules
 * made through HTTP leaves exactly one record, written in the same request, naming the key
 * that made it (id, prefix, type), what it changed, the bucket, the request id and the
 * client's address; never a key, secret or hash. The app trusts one proxy, so each request
 * names its client address in X-Forwarded-For and the record must carry exactly that one.
 */
const app = useTestApp({ TRUST_PROXY: '1' });

const webhookUrl = 'https://127.0.0.1:9/hooks/audit';
const prefixOf = (key: string) => `${key.slice(0, 12)}...`;
const hex = (id: Types.ObjectId | null) => (id ? id.toHexString() : null);

let addressCounter = 0;
/** A distinct documentation address per request (RFC 5737), so a record's ip is this request's. */
const nextAddress = () => {
  addressCounter += 1;
  return `203.0.113.${(addressCounter % 250) + 1}`;
};

interface Sent {
  status: number;
  body: any;
  headers: Record<string, string>;
  requestId: string;
  ip: string;
}

/** One request with its own X-Request-Id and client address. */
async function send(method: 'post' | 'patch' | 'delete' | 'get', path: string, key: string, body?: object): Promise<Sent> {
  const requestId = `audit-${randomUUID()}`;
  const ip = nextAddress();
  let req = app().http[method](path).set('X-API-Key', key).set('X-Request-Id', requestId).set('X-Forwarded-For', ip);
  if (body) req = req.send(body);
  const res = await req;
  return { status: res.status, body: res.body, headers: res.headers as Record<string, string>, requestId, ip };
}

const recordsOfRequest = (requestId: string) => AuditLogModel.find({ requestId }).lean<AuditLogRecord[]>();

interface Expected {
  action: string;
  actorKey: string;
  actorKeyId: string;
  actorType: 'admin' | 'write' | 'read';
  target: { type: string; _id: string; name: string };
  bucketId: string | null;
}

/** The request succeeded and left exactly one record, in the actor's organization, saying exactly this. */
async function expectOneRecord(res: Sent, status: number, organizationId: string, expected: Expected): Promise<void> {
  expect({ status: res.status, body: res.body }).toMatchObject({ status });
  expect(res.headers['x-request-id']).toBe(res.requestId);
  const records = await recordsOfRequest(res.requestId);
  expect(records).toHaveLength(1);
  const [record] = records as [AuditLogRecord];
  expect({
    organizationId: hex(record.organizationId),
    action: record.action,
    actor: { keyId: hex(record.actor.keyId), keyPrefix: record.actor.keyPrefix, type: record.actor.type },
    target: { type: record.target.type, _id: hex(record.target._id), name: record.target.name },
    bucketId: hex(record.bucketId),
    requestId: record.requestId,
    ip: record.ip,
  }).toEqual({
    organizationId,
    action: expected.action,
    actor: { keyId: expected.actorKeyId, keyPrefix: prefixOf(expected.actorKey), type: expected.actorType },
    target: expected.target,
    bucketId: expected.bucketId,
    requestId: res.headers['x-request-id'],
    ip: res.ip,
  });
  expect(Math.abs(record.at.getTime() - Date.now())).toBeLessThan(60_000);
}

describe('audit log: each audited change through HTTP', () => {
  let tenant: Tenant;
  /** Every plaintext the API handed out in this block: none may appear in a record. */
  const plaintexts: string[] = [];

  beforeAll(async () => {
    tenant = await createTenant(app());
    plaintexts.push(tenant.adminKey, tenant.writeKey, tenant.readKey);
  });

  const admin = () => ({ actorKey: tenant.adminKey, actorKeyId: tenant.adminKeyId, actorType: 'admin' as const });
  const writer = () => ({ actorKey: tenant.writeKey, actorKeyId: tenant.writeKeyId, actorType: 'write' as const });

  it('bucket.create, bucket.update and bucket.delete name the bucket; its records outlive it', async () => {
    const name = uniqueName('audited bucket');
    const created = await send('post', '/api/buckets', tenant.adminKey, { name });
    const bucketId = created.body.bucket._id as string;
    await expectOneRecord(created, 201, tenant.organizationId, {
      action: 'bucket.create',
      ...admin(),
      target: { type: 'bucket', _id: bucketId, name },
      bucketId,
    });

    const renamed = uniqueName('renamed bucket');
    const updated = await send('patch', `/api/buckets/${bucketId}`, tenant.adminKey, { name: renamed, retentionDays: 7 });
    await expectOneRecord(updated, 200, tenant.organizationId, {
      action: 'bucket.update',
      ...admin(),
      target: { type: 'bucket', _id: bucketId, name: renamed },
      bucketId,
    });

    const deleted = await send('delete', `/api/buckets/${bucketId}`, tenant.adminKey);
    await expectOneRecord(deleted, 200, tenant.organizationId, {
      action: 'bucket.delete',
      ...admin(),
      target: { type: 'bucket', _id: bucketId, name: renamed },
      bucketId,
    });
    // Deleting the bucket deleted everything in it except its history.
    const kept = await AuditLogModel.find({ bucketId: new Types.ObjectId(bucketId) }).lean<AuditLogRecord[]>();
    expect(kept.map((record) => record.action).sort()).toEqual(['bucket.create', 'bucket.delete', 'bucket.update']);
  });

  it('key.create, key.rotate and key.delete of a bucket key name the key and its bucket', async () => {
    const created = await send('post', `/api/buckets/${tenant.bucketId}/keys`, tenant.adminKey, { name: 'audited read key', type: 'read' });
    const keyId = created.body.apiKey._id as string;
    plaintexts.push(created.body.apiKey.key);
    await expectOneRecord(created, 201, tenant.organizationId, {
      action: 'key.create',
      ...admin(),
      target: { type: 'key', _id: keyId, name: 'audited read key' },
      bucketId: tenant.bucketId,
    });

    const rotated = await send('post', `/api/buckets/${tenant.bucketId}/keys/${keyId}/rotate`, tenant.adminKey, { gracePeriodSeconds: 60 });
    plaintexts.push(rotated.body.apiKey.key);
    // The target is the key the request rotated (its successor's id is in the answer).
    await expectOneRecord(rotated, 201, tenant.organizationId, {
      action: 'key.rotate',
      ...admin(),
      target: { type: 'key', _id: keyId, name: 'audited read key' },
      bucketId: tenant.bucketId,
    });

    const successorId = rotated.body.apiKey._id as string;
    const deleted = await send('delete', `/api/buckets/${tenant.bucketId}/keys/${successorId}`, tenant.adminKey);
    await expectOneRecord(deleted, 200, tenant.organizationId, {
      action: 'key.delete',
      ...admin(),
      target: { type: 'key', _id: successorId, name: 'audited read key' },
      bucketId: tenant.bucketId,
    });
  });

  it('key.create and key.delete of an admin key have no bucket; the actor may be the key itself', async () => {
    const created = await send('post', '/api/keys', tenant.adminKey, { name: 'audited admin key' });
    const keyId = created.body.apiKey._id as string;
    const newKey = created.body.apiKey.key as string;
    plaintexts.push(newKey);
    await expectOneRecord(created, 201, tenant.organizationId, {
      action: 'key.create',
      ...admin(),
      target: { type: 'key', _id: keyId, name: 'audited admin key' },
      bucketId: null,
    });

    const deleted = await send('delete', `/api/keys/${keyId}`, newKey);
    await expectOneRecord(deleted, 200, tenant.organizationId, {
      action: 'key.delete',
      actorKey: newKey,
      actorKeyId: keyId,
      actorType: 'admin',
      target: { type: 'key', _id: keyId, name: 'audited admin key' },
      bucketId: null,
    });
  });

  it('source.create, source.update and source.delete by a write key name the write key as the actor', async () => {
    const name = uniqueName('audited source');
    const created = await send('post', `/api/buckets/${tenant.bucketId}/sources`, tenant.writeKey, {
      name,
      schema: { temperature: 'number' },
    });
    const sourceId = created.body.dataSource._id as string;
    await expectOneRecord(created, 201, tenant.organizationId, {
      action: 'source.create',
      ...writer(),
      target: { type: 'source', _id: sourceId, name },
      bucketId: tenant.bucketId,
    });

    const renamed = uniqueName('renamed source');
    const updated = await send('patch', `/api/buckets/${tenant.bucketId}/sources/${sourceId}`, tenant.writeKey, { name: renamed });
    await expectOneRecord(updated, 200, tenant.organizationId, {
      action: 'source.update',
      ...writer(),
      target: { type: 'source', _id: sourceId, name: renamed },
      bucketId: tenant.bucketId,
    });

    const deleted = await send('delete', `/api/buckets/${tenant.bucketId}/sources/${sourceId}`, tenant.writeKey);
    await expectOneRecord(deleted, 200, tenant.organizationId, {
      action: 'source.delete',
      ...writer(),
      target: { type: 'source', _id: sourceId, name: renamed },
      bucketId: tenant.bucketId,
    });
  });

  it('alert.create (bucket in the body), alert.update, alert.rotate_secret and alert.delete name the rule', async () => {
    const dataSourceId = await createDataSource(app(), tenant.adminKey, tenant.bucketId);
    const name = uniqueName('audited alert');
    const created = await send('post', '/api/alerts', tenant.writeKey, {
      bucketId: tenant.bucketId,
      dataSourceId,
      name,
      condition: 'temperature > 30',
      webhookUrl,
    });
    const alertId = created.body.alertRule._id as string;
    plaintexts.push(created.body.webhookSecret);
    await expectOneRecord(created, 201, tenant.organizationId, {
      action: 'alert.create',
      ...writer(),
      target: { type: 'alert', _id: alertId, name },
      bucketId: tenant.bucketId,
    });

    const renamed = uniqueName('renamed alert');
    const path = `/api/buckets/${tenant.bucketId}/alerts/${alertId}`;
    const updated = await send('patch', path, tenant.writeKey, { name: renamed, status: 'paused' });
    await expectOneRecord(updated, 200, tenant.organizationId, {
      action: 'alert.update',
      ...writer(),
      target: { type: 'alert', _id: alertId, name: renamed },
      bucketId: tenant.bucketId,
    });

    const rotated = await send('post', `${path}/rotate-secret`, tenant.adminKey, { gracePeriodSeconds: 0 });
    plaintexts.push(rotated.body.webhookSecret);
    await expectOneRecord(rotated, 201, tenant.organizationId, {
      action: 'alert.rotate_secret',
      ...admin(),
      target: { type: 'alert', _id: alertId, name: renamed },
      bucketId: tenant.bucketId,
    });

    const deleted = await send('delete', path, tenant.writeKey);
    await expectOneRecord(deleted, 200, tenant.organizationId, {
      action: 'alert.delete',
      ...writer(),
      target: { type: 'alert', _id: alertId, name: renamed },
      bucketId: tenant.bucketId,
    });
  });

  it('a line-protocol write that creates or grows a data source records source.create or source.update; one that changes none records nothing', async () => {
    const measurement = `audited_${new Types.ObjectId().toHexString()}`;
    const write = async (line: string) => {
      const requestId = `audit-${randomUUID()}`;
      const ip = nextAddress();
      const res = await app()
        .http.post(`/api/v2/write?bucket=${tenant.bucketId}&precision=ms`)
        .set('Authorization', `Token ${tenant.writeKey}`)
        .set('X-Request-Id', requestId)
        .set('X-Forwarded-For', ip)
        .set('Content-Type', 'text/plain')
        .send(`${line} ${Date.now()}`);
      return { status: res.status, body: res.body, headers: res.headers as Record<string, string>, requestId, ip };
    };
    const created = await write(`${measurement} temperature=21.5`);
    const sourceId = (await mongoose.connection.collection('datasources').findOne({ name: measurement }))?._id.toHexString() as string;
    await expectOneRecord(created, 204, tenant.organizationId, {
      action: 'source.create',
      ...writer(),
      target: { type: 'source', _id: sourceId, name: measurement },
      bucketId: tenant.bucketId,
    });
    const grown = await write(`${measurement} temperature=22,humidity=40`);
    await expectOneRecord(grown, 204, tenant.organizationId, {
      action: 'source.update',
      ...writer(),
      target: { type: 'source', _id: sourceId, name: measurement },
      bucketId: tenant.bucketId,
    });
    const unchanged = await write(`${measurement} temperature=23,humidity=41`);
    expect(unchanged.status).toBe(204);
    expect(await recordsOfRequest(unchanged.requestId)).toEqual([]);
  });

  it('a refused or failed change leaves no record', async () => {
    const taken = await send('post', '/api/buckets', tenant.adminKey, { name: uniqueName('twice') });
    const again = await send('post', '/api/buckets', tenant.adminKey, { name: taken.body.bucket.name });
    const forbidden = await send('post', '/api/buckets', tenant.writeKey, { name: uniqueName('not allowed') });
    const invalid = await send('post', `/api/buckets/${tenant.bucketId}/sources`, tenant.writeKey, { name: '' });
    const missing = await send('delete', `/api/buckets/${tenant.bucketId}/keys/${new Types.ObjectId().toHexString()}`, tenant.adminKey);
    const lastAdmin = await send('delete', `/api/keys/${tenant.adminKeyId}`, tenant.adminKey);
    expect([again.status, forbidden.status, invalid.status, missing.status, lastAdmin.status]).toEqual([409, 403, 400, 404, 409]);
    for (const res of [again, forbidden, invalid, missing, lastAdmin]) expect(await recordsOfRequest(res.requestId)).toEqual([]);
  });

  it('no stored record holds a key, a secret, a hash or any plaintext the API handed out', async () => {
    const stored = await mongoose.connection.collection('auditlogs').find({}).toArray();
    expect(stored.length).toBeGreaterThanOrEqual(17);
    expect(plaintexts.length).toBeGreaterThanOrEqual(8);
    for (const document of stored) {
      const text = JSON.stringify(document);
      // A prefix is dakkio_x_ and three characters: a fourth would be more of the key than a listing shows.
      expect(text).not.toMatch(/dakkio_[awr]_[0-9A-Za-z]{4}/);
      expect(text).not.toContain('whsec_');
      expect(text).not.toMatch(/\$2[aby]\$/);
      // A SHA-256 lookup handle is 64 hex characters.
      expect(text).not.toMatch(/[0-9a-f]{64}/);
      for (const plaintext of plaintexts) expect(text).not.toContain(plaintext);
      expect(Object.keys(document).sort()).toEqual(
        ['_id', 'action', 'actor', 'at', 'bucketId', 'ip', 'organizationId', 'requestId', 'target'].sort(),
      );
      expect(Object.keys(document.actor).sort()).toEqual(['keyId', 'keyPrefix', 'type']);
      expect(Object.keys(document.target).sort()).toEqual(['_id', 'name', 'type']);
    }
  });
});

/** Makes `count` bucket changes (create, then updates) with `key`; answers the bucket id. */
async function makeChanges(adminKey: string, count: number): Promise<string> {
  const bucketId = await createBucket(app(), adminKey);
  for (let n = 1; n < count; n += 1) {
    await app()
      .http.patch(`/api/buckets/${bucketId}`)
      .set('X-API-Key', adminKey)
      .send({ description: `change ${n}` })
      .expect(200);
  }
  return bucketId;
}

describe('GET /api/audit-logs', () => {
  let tenant: Tenant;
  let otherOrganization: { organizationId: string; adminKey: string };
  /** The tenant's records as stored, newest first. */
  let stored: AuditLogRecord[];

  beforeAll(async () => {
    tenant = await createTenant(app()); // bucket.create, key.create, key.create
    await makeChanges(tenant.adminKey, 4); // bucket.create, 3 × bucket.update
    otherOrganization = await createOrganization(app());
    await makeChanges(otherOrganization.adminKey, 3);
    stored = await AuditLogModel.find({ organizationId: new Types.ObjectId(tenant.organizationId) })
      .sort({ at: -1, _id: -1 })
      .lean<AuditLogRecord[]>();
    expect(stored).toHaveLength(7);
  });

  const list = (key: string, query = '') => app().http.get(`/api/audit-logs${query}`).set('X-API-Key', key);

  it('answers the organization’s records, newest first, in the documented shape', async () => {
    const res = await list(tenant.adminKey).expect(200);
    expect(Object.keys(res.body).sort()).toEqual(['auditLogs', 'pagination']);
    expect(res.body.pagination).toEqual({ limit: 100, offset: 0, total: 7, hasMore: false });
    expect(res.body.auditLogs.map((entry: { _id: string }) => entry._id)).toEqual(stored.map((record) => record._id.toHexString()));
    const [newest] = stored as [AuditLogRecord];
    expect(res.body.auditLogs[0]).toEqual({
      _id: newest._id.toHexString(),
      action: 'bucket.update',
      actor: { keyId: tenant.adminKeyId, keyPrefix: prefixOf(tenant.adminKey), type: 'admin' },
      target: { type: 'bucket', _id: hex(newest.target._id), name: newest.target.name },
      bucketId: hex(newest.bucketId),
      requestId: newest.requestId,
      ip: newest.ip,
      at: newest.at.toISOString(),
    });
    const times = res.body.auditLogs.map((entry: { at: string }) => Date.parse(entry.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('never shows another organization’s records, to either organization', async () => {
    const mine = await list(tenant.adminKey).expect(200);
    const theirs = await list(otherOrganization.adminKey).expect(200);
    expect(theirs.body.pagination.total).toBe(3);
    const theirIds = new Set(theirs.body.auditLogs.map((entry: { _id: string }) => entry._id));
    for (const entry of mine.body.auditLogs) expect(theirIds.has(entry._id)).toBe(false);
    for (const entry of theirs.body.auditLogs) expect(entry.actor.keyPrefix).toBe(prefixOf(otherOrganization.adminKey));
  });

  it('filters by action', async () => {
    const res = await list(tenant.adminKey, '?action=bucket.update').expect(200);
    expect(res.body.pagination).toEqual({ limit: 100, offset: 0, total: 3, hasMore: false });
    expect(res.body.auditLogs.map((entry: { action: string }) => entry.action)).toEqual([
      'bucket.update',
      'bucket.update',
      'bucket.update',
    ]);
    const keys = await list(tenant.adminKey, '?action=key.create').expect(200);
    expect(keys.body.auditLogs.map((entry: { target: { _id: string } }) => entry.target._id).sort()).toEqual(
      [tenant.writeKeyId, tenant.readKeyId].sort(),
    );
    const none = await list(tenant.adminKey, '?action=alert.rotate_secret').expect(200);
    expect(none.body).toEqual({ auditLogs: [], pagination: { limit: 100, offset: 0, total: 0, hasMore: false } });
  });

  it('filters by since (records at or after it)', async () => {
    const since = (stored[3] as AuditLogRecord).at;
    const expected = stored.filter((record) => record.at.getTime() >= since.getTime()).map((record) => record._id.toHexString());
    const res = await list(tenant.adminKey, `?since=${encodeURIComponent(since.toISOString())}`).expect(200);
    expect(res.body.auditLogs.map((entry: { _id: string }) => entry._id)).toEqual(expected);
    expect(res.body.pagination.total).toBe(expected.length);
    const future = await list(tenant.adminKey, `?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`).expect(200);
    expect(future.body.auditLogs).toEqual([]);
    const both = await list(tenant.adminKey, `?action=key.create&since=${encodeURIComponent(since.toISOString())}`).expect(200);
    expect(both.body.auditLogs.every((entry: { action: string }) => entry.action === 'key.create')).toBe(true);
  });

  it('pages with limit and offset', async () => {
    const ids = stored.map((record) => record._id.toHexString());
    const first = await list(tenant.adminKey, '?limit=3').expect(200);
    expect(first.body.pagination).toEqual({ limit: 3, offset: 0, total: 7, hasMore: true });
    expect(first.body.auditLogs.map((entry: { _id: string }) => entry._id)).toEqual(ids.slice(0, 3));
    const last = await list(tenant.adminKey, '?limit=3&offset=6').expect(200);
    expect(last.body.pagination).toEqual({ limit: 3, offset: 6, total: 7, hasMore: false });
    expect(last.body.auditLogs.map((entry: { _id: string }) => entry._id)).toEqual(ids.slice(6));
    const beyond = await list(tenant.adminKey, '?offset=50').expect(200);
    expect(beyond.body.auditLogs).toEqual([]);
  });

  it('is 403 for write and read keys, with nothing of the log in the answer', async () => {
    for (const key of [tenant.writeKey, tenant.readKey]) {
      expectError(await list(key), 403, 'Forbidden', 'Only Admin keys can read the audit log');
    }
  });

  it('is 400 for an unknown action, a time that is not ISO 8601, bad paging or unknown parameters', async () => {
    expectValidationErrorAt(await list(tenant.adminKey, '?action=bucket.read'), ['query', 'action']);
    expectValidationErrorAt(await list(tenant.adminKey, '?action[$ne]=x'), ['query', 'action[$ne]']);
    expectValidationErrorAt(await list(tenant.adminKey, '?since=yesterday'), ['query', 'since']);
    expectValidationErrorAt(await list(tenant.adminKey, '?since=2024-01-01'), ['query', 'since']);
    expectValidationErrorAt(await list(tenant.adminKey, '?limit=0'), ['query', 'limit']);
    expectValidationErrorAt(await list(tenant.adminKey, '?organizationId=x'), ['query', 'organizationId']);
  });
});

describe('audit log retention (AUDIT_RETENTION_DAYS)', () => {
  const day = 86_400_000;

  async function insertRecord(ageDays: number): Promise<Types.ObjectId> {
    const _id = new Types.ObjectId();
    await AuditLogModel.collection.insertOne({
      _id,
      organizationId: new Types.ObjectId(),
      action: 'bucket.create',
      actor: { keyId: new Types.ObjectId(), keyPrefix: 'dakkio_a_abc...', type: 'admin' },
      target: { type: 'bucket', _id: new Types.ObjectId(), name: 'old bucket' },
      bucketId: null,
      requestId: `retention-${_id.toHexString()}`,
      ip: '192.0.2.1',
      at: new Date(Date.now() - ageDays * day),
    });
    return _id;
  }
  const exists = async (_id: Types.ObjectId) => (await AuditLogModel.countDocuments({ _id })) === 1;

  it('removes records older than the retention and keeps younger ones; a second run removes nothing', async () => {
    const old = await insertRecord(366);
    const young = await insertRecord(364);
    expect(await deleteOldAuditLogs(365)).toBeGreaterThanOrEqual(1);
    expect([await exists(old), await exists(young)]).toEqual([false, true]);
    expect(await deleteOldAuditLogs(365)).toBe(0);
  });

  it('is part of the scheduled retention run, with the configured number of days', async () => {
    const old = await insertRecord(31);
    const young = await insertRecord(29);
    const stop = scheduleRetention(
      { RETENTION_INTERVAL_MS: 1000, RETENTION_BATCH_SIZE: 1000, WEBHOOK_DELIVERY_RETENTION_DAYS: 30, AUDIT_RETENTION_DAYS: 30 },
      createLogger('silent'),
    );
    try {
      const deadline = Date.now() + 10_000;
      while ((await exists(old)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      expect([await exists(old), await exists(young)]).toEqual([false, true]);
    } finally {
      stop();
    }
  });

  it('reads AUDIT_RETENTION_DAYS from the configuration, 365 by default', () => {
    expect((app() as TestApp).config.AUDIT_RETENTION_DAYS).toBe(365);
  });
});
