import mongoose, { Types } from 'mongoose';
import { expectError, expectNotFound, expectValidationError } from './support/assertions';
import { createBucket, createBucketKey, createDataSource, createTenant, objectId, uniqueName, type Tenant } from './support/tenants';
import { useTestApp, type TestApp } from './support/testApp';

const app = useTestApp();

const rules = () => mongoose.connection.collection('alertrules');
const deliveries = () => mongoose.connection.collection('webhookdeliveries');
const byId = (id: string) => ({ _id: new Types.ObjectId(id) });
const ruleFields = [
  '_id',
  'bucketId',
  'condition',
  'cooldownMinutes',
  'createdAt',
  'dataSourceId',
  'lastResolvedAt',
  'lastTriggeredAt',
  'name',
  'parsedCondition',
  'state',
  'status',
  'updatedAt',
  'webhookUrl',
];
const hook = 'https://127.0.0.1:9/hook';
const secretPattern = /^whsec_[A-Za-z0-9+/]{43}=$/;

interface Fixture {
  tenant: Tenant;
  sourceId: string;
}
const fixture = async (a: TestApp = app(), schema: object = { temperature: 'number', humidity: 'number', label: 'string' }) => {
  const tenant = await createTenant(a);
  return { tenant, sourceId: await createDataSource(a, tenant.adminKey, tenant.bucketId, schema) };
};
const post = (f: Fixture, body: object = {}, key = f.tenant.writeKey, a: TestApp = app()) =>
  a.http
    .post('/api/alerts')
    .set('X-API-Key', key)
    .send({
      bucketId: f.tenant.bucketId,
      dataSourceId: f.sourceId,
      name: uniqueName('rule'),
      condition: 'temperature > 30',
      webhookUrl: hook,
      ...body,
    });
const create = async (f: Fixture, body: object = {}) => {
  const res = await post(f, body).expect(201);
  return res.body.alertRule as Record<string, unknown> & { _id: string; name: string };
};
const rulePath = (f: Fixture, id = '') => `/api/buckets/${f.tenant.bucketId}/alerts${id ? `/${id}` : ''}`;

describe('POST /api/alerts', () => {
  it('creates a rule with a write key: 201 with the rule, the secret once, the defaults, and nothing secret stored', async () => {
    const f = await fixture();
    const res = await post(f, { name: 'Too hot', condition: 'Temperature exceeds 30°C' }).expect(201);
    expect(Object.keys(res.body).sort()).toEqual(['alertRule', 'message', 'webhookSecret']);
    expect(res.body.message).toBe('Alert rule created successfully');
    const secret = res.body.webhookSecret as string;
    expect(secret).toMatch(secretPattern);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    const rule = res.body.alertRule;
    expect(Object.keys(rule).sort()).toEqual(ruleFields);
    expect(rule).toEqual({
      _id: expect.stringMatching(/^[0-9a-f]{24}$/),
      bucketId: f.tenant.bucketId,
      dataSourceId: f.sourceId,
      name: 'Too hot',
      condition: 'Temperature exceeds 30°C',
      parsedCondition: { kind: 'threshold', field: 'temperature', operator: 'gt', value: 30 },
      webhookUrl: hook,
      status: 'active',
      state: 'ok',
      cooldownMinutes: 5,
      lastTriggeredAt: null,
      lastResolvedAt: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(new Date(rule.createdAt).toISOString()).toBe(rule.createdAt);

    const stored = await rules().findOne(byId(rule._id));
    expect(stored).toMatchObject({ name: 'Too hot', status: 'active', state: 'ok', cooldownMinutes: 5, webhookUrl: hook });
    expect(stored?.bucketId).toEqual(new Types.ObjectId(f.tenant.bucketId));
    expect(stored?.dataSourceId).toEqual(new Types.ObjectId(f.sourceId));
    expect(stored?.organizationId).toEqual(new Types.ObjectId(f.tenant.organizationId));
    expect(stored?.webhookSecrets).toHaveLength(1);
    const text = JSON.stringify(stored);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.slice(6));
  });

  it('an admin key may create; a read key gets 403; another bucket or organization gets 404; nothing is stored', async () => {
    const f = await fixture();
    expect((await post(f, {}, f.tenant.adminKey).expect(201)).body.alertRule.bucketId).toBe(f.tenant.bucketId);
    expectError(await post(f, {}, f.tenant.readKey), 403, 'Forbidden', 'Only Admin and Write keys can create alert rules');
    const otherBucket = await createBucket(app(), f.tenant.adminKey);
    const otherWrite = await createBucketKey(app(), f.tenant.adminKey, otherBucket, 'write');
    expectNotFound(await post(f, {}, otherWrite.key), 'Bucket not found');
    const stranger = await createTenant(app());
    expectNotFound(await post(f, {}, stranger.adminKey), 'Bucket not found');
    expectNotFound(await post(f, { bucketId: objectId() }, f.tenant.adminKey), 'Bucket not found');
    const otherSource = await createDataSource(app(), f.tenant.adminKey, otherBucket);
    expectNotFound(await post(f, { dataSourceId: otherSource }), 'Data source not found');
    expectNotFound(await post(f, { dataSourceId: objectId() }), 'Data source not found');
    expect(await rules().countDocuments({ organizationId: new Types.ObjectId(f.tenant.organizationId) })).toBe(1);
  });

  it('a data source or bucket being deleted is not found, and no rule is left behind for it', async () => {
    const f = await fixture();
    await mongoose.connection.collection('datasources').updateOne(byId(f.sourceId), { $set: { deletingAt: new Date() } });
    expectNotFound(await post(f), 'Data source not found');
    const g = await fixture();
    await mongoose.connection.collection('buckets').updateOne(byId(g.tenant.bucketId), { $set: { deletingAt: new Date() } });
    expectNotFound(await post(g, {}, g.tenant.adminKey), 'Bucket not found');
    const bucketIds = [f, g].map((x) => new Types.ObjectId(x.tenant.bucketId));
    expect(await rules().countDocuments({ bucketId: { $in: bucketIds } })).toBe(0);
  });

  const accepted: Array<[string, object]> = [
    ['temperature is greater than 30', { field: 'temperature', operator: 'gt', value: 30 }],
    ['Temperature exceeds 30°C', { field: 'temperature', operator: 'gt', value: 30 }],
    ['humidity drops below 20%', { field: 'humidity', operator: 'lt', value: 20 }],
    ['temperature > 30 for 5 minutes', { field: 'temperature', operator: 'gt', value: 30, forSeconds: 300 }],
    ['temperature is above 30', { field: 'temperature', operator: 'gt', value: 30 }],
    ['temperature is at least 30.5', { field: 'temperature', operator: 'gte', value: 30.5 }],
    ['temperature >= 30', { field: 'temperature', operator: 'gte', value: 30 }],
    ['temperature is less than -5', { field: 'temperature', operator: 'lt', value: -5 }],
    ['temperature is below 0 degrees', { field: 'temperature', operator: 'lt', value: 0 }],
    ['temperature < 10', { field: 'temperature', operator: 'lt', value: 10 }],
    ['humidity is at most 80 percent', { field: 'humidity', operator: 'lte', value: 80 }],
    ['humidity <= 80', { field: 'humidity', operator: 'lte', value: 80 }],
    ['humidity equals 50', { field: 'humidity', operator: 'eq', value: 50 }],
    ['humidity is equal to 50', { field: 'humidity', operator: 'eq', value: 50 }],
    ['humidity = 50', { field: 'humidity', operator: 'eq', value: 50 }],
    ['humidity == 50', { field: 'humidity', operator: 'eq', value: 50 }],
    ['humidity is not equal to 50', { field: 'humidity', operator: 'ne', value: 50 }],
    ['humidity does not equal 50', { field: 'humidity', operator: 'ne', value: 50 }],
    ['humidity != 50', { field: 'humidity', operator: 'ne', value: 50 }],
    ['TEMPERATURE IS ABOVE 30 FOR 2 HOURS', { field: 'temperature', operator: 'gt', value: 30, forSeconds: 7200 }],
    ['temperature > 30 for 30 seconds', { field: 'temperature', operator: 'gt', value: 30, forSeconds: 30 }],
    ['temperature > 30 for 1 day', { field: 'temperature', operator: 'gt', value: 30, forSeconds: 86400 }],
    ['temperature > 30 for 45s', { field: 'temperature', operator: 'gt', value: 30, forSeconds: 45 }],
    ['temperature > 30 for 10m', { field: 'temperature', operator: 'gt', value: 30, forSeconds: 600 }],
    ['temperature > 30 for 10 min', { field: 'temperature', operator: 'gt', value: 30, forSeconds: 600 }],
    ['temperature > 30 for 3h', { field: 'temperature', operator: 'gt', value: 30, forSeconds: 10800 }],
    ['temperature > 30 for 2d', { field: 'temperature', operator: 'gt', value: 30, forSeconds: 172800 }],
  ].map(([text, parsed]) => [text as string, { kind: 'threshold', ...(parsed as object) }]);
  accepted.push(
    ['no readings for 1 hour', { kind: 'no_data', forSeconds: 3600 }],
    ['no data for 10 minutes', { kind: 'no_data', forSeconds: 600 }],
    ['No data received for 2h', { kind: 'no_data', forSeconds: 7200 }],
    ['missing data for 1 day', { kind: 'no_data', forSeconds: 86400 }],
  );

  it.each(accepted)('accepts %p and stores its parsedCondition', async (condition, parsedCondition) => {
    const f = await fixture();
    const rule = await create(f, { condition });
    expect(rule.condition).toBe(condition);
    expect(rule.parsedCondition).toEqual(parsedCondition);
    expect((await rules().findOne(byId(rule._id)))?.parsedCondition).toEqual(parsedCondition);
  });

  it('matches a field ignoring case and keeps the schema’s spelling', async () => {
    const f = await fixture(app(), { Temperature: 'number' });
    expect((await create(f, { condition: 'TEMPERATURE > 1' })).parsedCondition).toEqual({
      kind: 'threshold',
      field: 'Temperature',
      operator: 'gt',
      value: 1,
    });
  });

  const refused: Array<[string, string, RegExp]> = [
    ['an unknown field', 'pressure > 30', /Unknown number field 'pressure'.*temperature, humidity/],
    ['a string field', 'label > 30', /Unknown number field 'label'/],
    ['gibberish', 'when it gets hot', /^expected '<field> <comparison> <number>/],
    ['no number', 'temperature exceeds hot', /expected a number after 'exceeds'/],
    ['a bad duration', 'temperature > 30 for ever', /expected a duration after 'for'/],
    ['a bad no-data duration', 'no data for a while', /expected a duration/],
  ];
  it.each(refused)('refuses %s with 400 at ["body","condition"] saying what is expected', async (_label, condition, message) => {
    const f = await fixture();
    const res = await post(f, { condition });
    expectValidationError(res, [['body', 'condition']]);
    expect(res.body.details).toHaveLength(1);
    expect(res.body.details[0].message).toMatch(message);
    expect(await rules().countDocuments({ bucketId: new Types.ObjectId(f.tenant.bucketId) })).toBe(0);
  });

  const badUrls: Array<[string, string, string]> = [
    ['http when not allowed', 'http://example.com/hook', 'Webhook URL must use https'],
    ['credentials', 'https://user:pass@example.com/hook', 'Webhook URL must not contain credentials'],
    ['more than 2048 characters', `https://example.com/${'a'.repeat(2030)}`, 'Webhook URL must be at most 2048 characters'],
    ['not a URL', 'not a url', 'Webhook URL must be a valid absolute URL'],
    ['another scheme', 'ftp://example.com/hook', 'Webhook URL must use https'],
  ];
  it.each(badUrls)('refuses a webhookUrl with %s: 400 at ["body","webhookUrl"]', async (_label, webhookUrl, message) => {
    const f = await fixture();
    const res = await post(f, { webhookUrl });
    expectValidationError(res, [['body', 'webhookUrl']]);
    expect(res.body.details).toEqual([{ path: ['body', 'webhookUrl'], message }]);
    expect(await rules().countDocuments({ bucketId: new Types.ObjectId(f.tenant.bucketId) })).toBe(0);
  });

  it('reports a bad condition and a bad URL together; a URL of exactly 2048 characters is fine', async () => {
    const f = await fixture();
    const res = await post(f, { condition: 'pressure > 1', webhookUrl: 'http://example.com' });
    expectValidationError(res, [
      ['body', 'condition'],
      ['body', 'webhookUrl'],
    ]);
    const longest = `https://example.com/${'a'.repeat(2048 - 20)}`;
    expect(longest).toHaveLength(2048);
    expect((await create(f, { webhookUrl: longest })).webhookUrl).toBe(longest);
  });

  it.each([
    [-1, false],
    [0, true],
    [10080, true],
    [10081, false],
    ['5', false],
  ])('cooldownMinutes %p accepted: %p', async (cooldownMinutes, ok) => {
    const f = await fixture();
    const res = await post(f, { cooldownMinutes });
    if (ok) {
      expect(res.status).toBe(201);
      expect(res.body.alertRule.cooldownMinutes).toBe(cooldownMinutes);
      expect((await rules().findOne(byId(res.body.alertRule._id)))?.cooldownMinutes).toBe(cooldownMinutes);
    } else {
      expectValidationError(res, [['body', 'cooldownMinutes']]);
    }
  });

  it('refuses missing fields, an empty or over-long name or condition, and unknown fields, each by path', async () => {
    const f = await fixture();
    const res = await app()
      .http.post('/api/alerts')
      .set('X-API-Key', f.tenant.writeKey)
      .send({ bucketId: f.tenant.bucketId, name: '', condition: 'x'.repeat(501), status: 'paused' });
    expectValidationError(res, [
      ['body', 'dataSourceId'],
      ['body', 'name'],
      ['body', 'condition'],
      ['body', 'webhookUrl'],
      ['body', 'status'],
    ]);
  });
});

describe('POST /api/alerts with MAX_ALERT_RULES_PER_BUCKET=2', () => {
  const limited = useTestApp({ MAX_ALERT_RULES_PER_BUCKET: '2' });

  it('answers 409 Conflict for the third rule of a bucket and stores two; other buckets are not affected', async () => {
    const f = await fixture(limited());
    for (let i = 0; i < 2; i += 1) await post(f, {}, f.tenant.writeKey, limited()).expect(201);
    const third = await post(f, {}, f.tenant.writeKey, limited());
    expectError(third, 409, 'Conflict', 'A bucket may have at most 2 alert rules');
    expect(await rules().countDocuments({ bucketId: new Types.ObjectId(f.tenant.bucketId) })).toBe(2);
    const other = await fixture(limited());
    await post(other, {}, other.tenant.writeKey, limited()).expect(201);
  });
});

describe('GET /api/buckets/:bucketId/alerts and /alerts/:alertId', () => {
  it('keys whose scopes leave out alerts:read or alerts:write get 403 Insufficient permissions', async () => {
    const f = await fixture();
    const rule = await create(f);
    const writer = await createBucketKey(app(), f.tenant.adminKey, f.tenant.bucketId, 'write', { scopes: ['alerts:read'] });
    expectError(await post(f, {}, writer.key), 403, 'Forbidden', 'Insufficient permissions');
    await app().http.get(rulePath(f, rule._id)).set('X-API-Key', writer.key).expect(200);
    const reader = await createBucketKey(app(), f.tenant.adminKey, f.tenant.bucketId, 'read', { scopes: ['data:read'] });
    expectError(await app().http.get(rulePath(f)).set('X-API-Key', reader.key), 403, 'Forbidden', 'Insufficient permissions');
    expect(await rules().countDocuments({ bucketId: new Types.ObjectId(f.tenant.bucketId) })).toBe(1);
  });

  it('lists the bucket’s rules in creation order, without secrets, to admin, write and read keys', async () => {
    const f = await fixture();
    const first = await create(f);
    const second = await create(f, { condition: 'no data for 1h' });
    const elsewhere = await fixture();
    await create({ tenant: elsewhere.tenant, sourceId: elsewhere.sourceId });
    for (const key of [f.tenant.adminKey, f.tenant.writeKey, f.tenant.readKey]) {
      const res = await app().http.get(rulePath(f)).set('X-API-Key', key).expect(200);
      expect(Object.keys(res.body)).toEqual(['alertRules']);
      expect(res.body.alertRules).toEqual([first, second]);
      expect(JSON.stringify(res.body)).not.toMatch(/whsec_|webhookSecret|sealed|outbox/);
      const one = await app().http.get(rulePath(f, second._id)).set('X-API-Key', key).expect(200);
      expect(one.body).toEqual({ alertRule: second });
    }
  });

  it('404 Alert rule not found for an unknown rule or another bucket’s; 400 for a malformed id; 404 for another bucket', async () => {
    const f = await fixture();
    const other = await fixture();
    const foreign = await create(other);
    expectNotFound(await app().http.get(rulePath(f, foreign._id)).set('X-API-Key', f.tenant.adminKey), 'Alert rule not found');
    expectNotFound(await app().http.get(rulePath(f, objectId())).set('X-API-Key', f.tenant.readKey), 'Alert rule not found');
    expectError(
      await app().http.get(rulePath(f, 'nope')).set('X-API-Key', f.tenant.readKey),
      400,
      'Validation Error',
      'Invalid alert ID format',
    );
    expectNotFound(await app().http.get(rulePath(other)).set('X-API-Key', f.tenant.readKey), 'Bucket not found');
  });
});

describe('PATCH /api/buckets/:bucketId/alerts/:alertId', () => {
  const patch = (f: Fixture, id: string, body: object, key = f.tenant.writeKey) =>
    app().http.patch(rulePath(f, id)).set('X-API-Key', key).send(body);

  it('updates each field, re-parses a new condition against the source, and answers 200 with the rule', async () => {
    const f = await fixture();
    const rule = await create(f);
    await rules().updateOne(byId(rule._id), { $set: { state: 'firing' } });
    const res = await patch(f, rule._id, {
      name: 'Renamed',
      condition: 'Humidity is at most 10%',
      webhookUrl: 'https://127.0.0.1:9/other',
      cooldownMinutes: 0,
    }).expect(200);
    expect(Object.keys(res.body).sort()).toEqual(['alertRule', 'message']);
    expect(res.body.message).toBe('Alert rule updated successfully');
    expect(res.body.alertRule).toMatchObject({
      _id: rule._id,
      name: 'Renamed',
      condition: 'Humidity is at most 10%',
      parsedCondition: { kind: 'threshold', field: 'humidity', operator: 'lte', value: 10 },
      webhookUrl: 'https://127.0.0.1:9/other',
      cooldownMinutes: 0,
      status: 'active',
      state: 'ok',
    });
    const stored = await rules().findOne(byId(rule._id));
    expect(stored).toMatchObject({ name: 'Renamed', state: 'ok', cooldownMinutes: 0, parsedCondition: res.body.alertRule.parsedCondition });
    const renamed = await patch(f, rule._id, { name: 'Again' }).expect(200);
    expect(renamed.body.alertRule).toMatchObject({ name: 'Again', condition: 'Humidity is at most 10%', cooldownMinutes: 0 });
  });

  it('pauses and resumes; refuses disabled, bad conditions and URLs by path, and changes nothing then', async () => {
    const f = await fixture();
    const rule = await create(f);
    expect((await patch(f, rule._id, { status: 'paused' }).expect(200)).body.alertRule.status).toBe('paused');
    expect((await rules().findOne(byId(rule._id)))?.status).toBe('paused');
    expect((await patch(f, rule._id, { status: 'active' }).expect(200)).body.alertRule.status).toBe('active');
    expectValidationError(await patch(f, rule._id, { status: 'disabled' }), [['body', 'status']]);
    const both = await patch(f, rule._id, { condition: 'label > 1', webhookUrl: 'https://a:b@example.com' });
    expectValidationError(both, [
      ['body', 'condition'],
      ['body', 'webhookUrl'],
    ]);
    expectValidationError(await patch(f, rule._id, { cooldownMinutes: 10081, bucketId: f.tenant.bucketId }), [
      ['body', 'cooldownMinutes'],
      ['body', 'bucketId'],
    ]);
    const stored = await rules().findOne(byId(rule._id));
    expect(stored).toMatchObject({ status: 'active', condition: 'temperature > 30', webhookUrl: hook, cooldownMinutes: 5 });
  });

  it('a rule disabled by a 410 is made active again by PATCH status active, starting over at ok', async () => {
    const f = await fixture();
    const rule = await create(f);
    await rules().updateOne(byId(rule._id), { $set: { status: 'disabled', state: 'firing' } });
    expect((await app().http.get(rulePath(f, rule._id)).set('X-API-Key', f.tenant.readKey)).body.alertRule.status).toBe('disabled');
    const res = await patch(f, rule._id, { status: 'active' }).expect(200);
    expect(res.body.alertRule).toMatchObject({ status: 'active', state: 'ok' });
    expect(await rules().findOne(byId(rule._id))).toMatchObject({ status: 'active', state: 'ok' });
  });

  it('a read key gets 403; another bucket’s rule 404; a malformed id 400', async () => {
    const f = await fixture();
    const rule = await create(f);
    expectError(
      await patch(f, rule._id, { name: 'x' }, f.tenant.readKey),
      403,
      'Forbidden',
      'Only Admin and Write keys can update alert rules',
    );
    const other = await fixture();
    expectNotFound(await patch(other, rule._id, { name: 'x' }, other.tenant.adminKey), 'Alert rule not found');
    expectError(await patch(f, 'zzz', { name: 'x' }), 400, 'Validation Error', 'Invalid alert ID format');
    expect((await rules().findOne(byId(rule._id)))?.name).toBe(rule.name);
  });
});

describe('DELETE /api/buckets/:bucketId/alerts/:alertId', () => {
  it('deletes the rule and its deliveries, answering with its id and name; then 404', async () => {
    const f = await fixture();
    const rule = await create(f);
    const kept = await create(f);
    for (const r of [rule, kept])
      await app()
        .http.post(`${rulePath(f, r._id)}/test`)
        .set('X-API-Key', f.tenant.writeKey)
        .expect(202);
    expectError(
      await app().http.delete(rulePath(f, rule._id)).set('X-API-Key', f.tenant.readKey),
      403,
      'Forbidden',
      'Only Admin and Write keys can delete alert rules',
    );
    const res = await app().http.delete(rulePath(f, rule._id)).set('X-API-Key', f.tenant.writeKey).expect(200);
    expect(res.body).toEqual({ message: 'Alert rule deleted successfully', deletedAlertRule: { _id: rule._id, name: rule.name } });
    expect(await rules().countDocuments(byId(rule._id))).toBe(0);
    expect(await deliveries().countDocuments({ alertRuleId: new Types.ObjectId(rule._id) })).toBe(0);
    expect(await deliveries().countDocuments({ alertRuleId: new Types.ObjectId(kept._id) })).toBe(1);
    expectNotFound(await app().http.delete(rulePath(f, rule._id)).set('X-API-Key', f.tenant.writeKey), 'Alert rule not found');
  });
});
