import { Types } from 'mongoose';
import type { Response } from 'supertest';
import { BucketModel } from '../src/modules/buckets/model';
import { ApiKeyModel } from '../src/modules/keys/model';
import { expectError, expectErrorBody, expectNoServerErrorsAfterEach, expectValidationError } from './support/assertions';
import { createTenant, objectId, type Tenant } from './support/tenants';
import { useTestApp } from './support/testApp';

/**
 * Bad input of every kind must end in the documented 4xx (api.md §2), never a 500, and
 * must leave the database exactly as it was.
 */

const app = useTestApp();
let tenant: Tenant;

beforeAll(async () => {
  tenant = await createTenant(app());
});
// The error handler logs every 5xx before it answers; none may have happened.
expectNoServerErrorsAfterEach(app);

type Path = (string | number)[];
type Method = 'get' | 'post' | 'patch' | 'delete';

/**
 * Everything stored for the organization, plus global counts. A key's lastUsedAt (and the
 * updatedAt that comes with it) is written whenever the key is used, so it is left out.
 */
async function storedState(organizationId: string) {
  const orgId = new Types.ObjectId(organizationId);
  const [buckets, keys, bucketTotal, keyTotal] = await Promise.all([
    BucketModel.find({ organizationId: orgId }).sort({ _id: 1 }).lean(),
    ApiKeyModel.find({ organizationId: orgId }).sort({ _id: 1 }).select('-lastUsedAt -updatedAt').lean(),
    BucketModel.countDocuments({}),
    ApiKeyModel.countDocuments({}),
  ]);
  return JSON.parse(JSON.stringify({ buckets, keys, bucketTotal, keyTotal })) as unknown;
}

/** Runs the request and checks nothing was written by it. */
async function withNothingWritten(send: () => Promise<Response>): Promise<Response> {
  const before = await storedState(tenant.organizationId);
  const res = await send();
  // Any (wrong) write would have been awaited before the response; give stray async writes a tick anyway.
  await new Promise((resolve) => setImmediate(resolve));
  expect(await storedState(tenant.organizationId)).toEqual(before);
  return res;
}

function send(method: Method, path: string, body?: unknown, key = tenant.adminKey) {
  const req = app().http[method](path).set('X-API-Key', key);
  return body === undefined ? req : req.send(body as object);
}

function sendRaw(method: Method, path: string, raw: string, contentType = 'application/json', key = tenant.adminKey) {
  return app().http[method](path).set('X-API-Key', key).set('Content-Type', contentType).send(raw);
}

const endpointLabels = ['POST /api/buckets', 'PATCH /api/buckets/:bucketId', 'POST /api/buckets/:bucketId/keys', 'POST /api/keys'] as const;
type EndpointLabel = (typeof endpointLabels)[number];

/** An endpoint that takes a body, with a minimal valid body to build bad ones from (resolved once the tenant exists). */
function endpoint(label: EndpointLabel): { method: Method; path: string; valid: Record<string, unknown> } {
  switch (label) {
    case 'POST /api/buckets':
      return { method: 'post', path: '/api/buckets', valid: { name: `bucket ${objectId()}` } };
    case 'PATCH /api/buckets/:bucketId':
      return { method: 'patch', path: `/api/buckets/${tenant.bucketId}`, valid: { name: `renamed ${objectId()}` } };
    case 'POST /api/buckets/:bucketId/keys':
      return { method: 'post', path: `/api/buckets/${tenant.bucketId}/keys`, valid: { name: 'sensor key', type: 'write' } };
    case 'POST /api/keys':
      return { method: 'post', path: '/api/keys', valid: { name: 'second admin' } };
  }
}

/** Fills `:bucketId` with the tenant's bucket and `:anyId` with a fresh well-formed ID. */
const resolvePath = (template: string) => template.replace(':bucketId', tenant.bucketId).replace(':anyId', objectId());

describe('POST /api/buckets with bad input', () => {
  it.each([
    ['a truncated object', '{"name": "greenhouse",'],
    ['plain words', 'not json at all'],
    ['single quotes', "{'name': 'greenhouse'}"],
    ['a trailing comma', '{"name": "greenhouse",}'],
    ['a bare string (strict JSON only accepts objects and arrays)', '"greenhouse"'],
    ['a bare number', '42'],
    ['null', 'null'],
  ])('malformed JSON (%s) → 400 Validation Error', async (_label, raw) => {
    const res = await withNothingWritten(() => sendRaw('post', '/api/buckets', raw));
    expectErrorBody(res, 400, 'Validation Error');
  });

  it('a JSON array instead of an object → 400 Validation Error', async () => {
    const res = await withNothingWritten(() => sendRaw('post', '/api/buckets', '[{"name":"greenhouse"}]'));
    expectErrorBody(res, 400, 'Validation Error');
  });

  it('a missing name → 400 naming ["body","name"]', async () => {
    const res = await withNothingWritten(() => send('post', '/api/buckets', { description: 'no name' }));
    expectValidationError(res, [['body', 'name']]);
  });

  it('an empty JSON body → 400 naming ["body","name"]', async () => {
    const res = await withNothingWritten(() => sendRaw('post', '/api/buckets', ''));
    expectValidationError(res, [['body', 'name']]);
  });

  it.each<[string, Record<string, unknown>, Path[]]>([
    ['name is a number', { name: 123 }, [['body', 'name']]],
    ['name is null', { name: null }, [['body', 'name']]],
    ['name is an array', { name: ['greenhouse'] }, [['body', 'name']]],
    ['name is a boolean', { name: true }, [['body', 'name']]],
    ['retentionDays is a numeric string', { name: 'ok', retentionDays: '30' }, [['body', 'retentionDays']]],
    ['retentionDays is fractional', { name: 'ok', retentionDays: 1.5 }, [['body', 'retentionDays']]],
    ['retentionDays is 0', { name: 'ok', retentionDays: 0 }, [['body', 'retentionDays']]],
    ['retentionDays is 3651', { name: 'ok', retentionDays: 3651 }, [['body', 'retentionDays']]],
    ['retentionDays is negative', { name: 'ok', retentionDays: -1 }, [['body', 'retentionDays']]],
    ['retentionDays is null', { name: 'ok', retentionDays: null }, [['body', 'retentionDays']]],
    ['description is a number', { name: 'ok', description: 5 }, [['body', 'description']]],
    ['description is an object', { name: 'ok', description: { text: 'x' } }, [['body', 'description']]],
  ])('wrong type: %s → 400 naming the field', async (_label, body, paths) => {
    const res = await withNothingWritten(() => send('post', '/api/buckets', body));
    expectValidationError(res, paths);
  });

  it('two problems in one body → both listed', async () => {
    const res = await withNothingWritten(() => send('post', '/api/buckets', { name: 123, retentionDays: '30' }));
    expectValidationError(res, [
      ['body', 'name'],
      ['body', 'retentionDays'],
    ]);
  });

  it('three problems, one of them an unknown field → all three listed', async () => {
    const res = await withNothingWritten(() => send('post', '/api/buckets', { name: '', retentionDays: 1.5, colour: 'green' }));
    expectValidationError(res, [
      ['body', 'colour'],
      ['body', 'name'],
      ['body', 'retentionDays'],
    ]);
  });

  it.each<[string, Record<string, unknown>, Path[]]>([
    ['colour', { name: 'ok', colour: 'green' }, [['body', 'colour']]],
    ['organizationId (no choosing another organization)', { name: 'ok', organizationId: objectId() }, [['body', 'organizationId']]],
    ['_id', { name: 'ok', _id: objectId() }, [['body', '_id']]],
    ['createdAt', { name: 'ok', createdAt: '2020-01-01T00:00:00Z' }, [['body', 'createdAt']]],
    [
      'two unknown fields',
      { name: 'ok', a: 1, b: 2 },
      [
        ['body', 'a'],
        ['body', 'b'],
      ],
    ],
  ])('extra unknown field %s → 400 naming its path', async (_label, body, paths) => {
    const res = await withNothingWritten(() => send('post', '/api/buckets', body));
    expectValidationError(res, paths);
  });

  it('a description over 1000 characters → 400 naming ["body","description"]', async () => {
    const res = await withNothingWritten(() => send('post', '/api/buckets', { name: 'ok', description: 'd'.repeat(1001) }));
    expectValidationError(res, [['body', 'description']]);
  });

  it('a body over 1 MB (1.1 MB description) → 413 Payload Too Large', async () => {
    const description = 'x'.repeat(Math.ceil(1.1 * 1024 * 1024));
    const res = await withNothingWritten(() => send('post', '/api/buckets', { name: `huge ${objectId()}`, description }));
    expectErrorBody(res, 413, 'Payload Too Large');
  });

  it.each([
    ['text/plain', '{"name":"greenhouse"}'],
    ['text/plain', 'greenhouse'],
    ['application/x-www-form-urlencoded', 'name=greenhouse'],
    ['application/xml', '<bucket><name>greenhouse</name></bucket>'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="name"\r\n\r\ngreenhouse\r\n--x--'],
  ])('Content-Type %s with a body → 415 Unsupported Media Type', async (contentType, raw) => {
    const res = await withNothingWritten(() => sendRaw('post', '/api/buckets', raw, contentType));
    expectErrorBody(res, 415, 'Unsupported Media Type');
  });
});

describe('POST /api/buckets/:bucketId/keys with bad input', () => {
  const keysPath = () => `/api/buckets/${tenant.bucketId}/keys`;
  const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

  it.each<[string, () => Record<string, unknown>, Path[]]>([
    ['type "admin" (bucket keys are write or read)', () => ({ name: 'k', type: 'admin' }), [['body', 'type']]],
    ['type missing', () => ({ name: 'k' }), [['body', 'type']]],
    ['type of another case', () => ({ name: 'k', type: 'Write' }), [['body', 'type']]],
    ['type a number', () => ({ name: 'k', type: 1 }), [['body', 'type']]],
    ['name a number', () => ({ name: 123, type: 'read' }), [['body', 'name']]],
    ['expiresAt in the past', () => ({ name: 'k', type: 'read', expiresAt: '2020-01-01T00:00:00Z' }), [['body', 'expiresAt']]],
    [
      'expiresAt now-ish (one second ago)',
      () => ({ name: 'k', type: 'read', expiresAt: new Date(Date.now() - 1000).toISOString() }),
      [['body', 'expiresAt']],
    ],
    ['expiresAt not ISO (words)', () => ({ name: 'k', type: 'read', expiresAt: 'next tuesday' }), [['body', 'expiresAt']]],
    ['expiresAt not ISO (US date)', () => ({ name: 'k', type: 'read', expiresAt: '01/02/2099' }), [['body', 'expiresAt']]],
    ['expiresAt an impossible month', () => ({ name: 'k', type: 'read', expiresAt: '2099-13-01T00:00:00Z' }), [['body', 'expiresAt']]],
    ['expiresAt a number', () => ({ name: 'k', type: 'read', expiresAt: 4102444800000 }), [['body', 'expiresAt']]],
    [
      'scopes with an unknown scope',
      () => ({ name: 'k', type: 'read', scopes: ['data:read', 'data:everything'] }),
      [['body', 'scopes', 1]],
    ],
    ['scopes a string, not an array', () => ({ name: 'k', type: 'read', scopes: 'data:read' }), [['body', 'scopes']]],
    ['scopes widening a read key to buckets:write', () => ({ name: 'k', type: 'read', scopes: ['buckets:write'] }), [['body', 'scopes']]],
    [
      'scopes widening a read key to data:write',
      () => ({ name: 'k', type: 'read', scopes: ['data:read', 'data:write'] }),
      [['body', 'scopes']],
    ],
    ['scopes widening a write key to keys:write', () => ({ name: 'k', type: 'write', scopes: ['keys:write'] }), [['body', 'scopes']]],
    ['an unknown field bucketId', () => ({ name: 'k', type: 'read', bucketId: objectId() }), [['body', 'bucketId']]],
    [
      'an unknown field key (no choosing the secret)',
      () => ({ name: 'k', type: 'read', key: `dakkio_r_${'a'.repeat(40)}` }),
      [['body', 'key']],
    ],
    [
      'two problems: bad type and past expiresAt',
      () => ({ name: 'k', type: 'admin', expiresAt: '2020-01-01T00:00:00Z' }),
      [
        ['body', 'expiresAt'],
        ['body', 'type'],
      ],
    ],
  ])('%s → 400 naming the field', async (_label, body, paths) => {
    const res = await withNothingWritten(() => send('post', keysPath(), body()));
    expectValidationError(res, paths);
  });

  it('a future expiresAt still works alongside a bad field (the bad field alone is reported)', async () => {
    const res = await withNothingWritten(() => send('post', keysPath(), { name: 'k', type: 'read', expiresAt: inAnHour(), extra: 1 }));
    expectValidationError(res, [['body', 'extra']]);
  });
});

describe('POST /api/keys with bad input', () => {
  it.each<[string, Record<string, unknown>, Path[]]>([
    ['expiresAt in the past', { name: 'a', expiresAt: '2001-09-09T01:46:40Z' }, [['body', 'expiresAt']]],
    ['expiresAt not ISO', { name: 'a', expiresAt: 'soon' }, [['body', 'expiresAt']]],
    ['name missing', {}, [['body', 'name']]],
    ['an unknown field bucketId', { name: 'a', bucketId: objectId() }, [['body', 'bucketId']]],
    ['an unknown field organizationId', { name: 'a', organizationId: objectId() }, [['body', 'organizationId']]],
  ])('%s → 400 naming the field', async (_label, body, paths) => {
    const res = await withNothingWritten(() => send('post', '/api/keys', body));
    expectValidationError(res, paths);
  });
});

describe('POST /api/buckets/:bucketId/keys/:keyId/rotate with bad input', () => {
  const rotatePath = () => `/api/buckets/${tenant.bucketId}/keys/${tenant.writeKeyId}/rotate`;

  it.each<[string, unknown]>([
    ['-1', -1],
    ['86401', 86_401],
    ['"10" (a string)', '10'],
    ['1.5', 1.5],
    ['null', null],
  ])('gracePeriodSeconds %s → 400, the key is neither replaced nor shortened', async (_label, gracePeriodSeconds) => {
    const res = await withNothingWritten(() => send('post', rotatePath(), { gracePeriodSeconds }));
    expectValidationError(res, [['body', 'gracePeriodSeconds']]);
  });

  it('an unknown field → 400 naming it', async () => {
    const res = await withNothingWritten(() => send('post', rotatePath(), { gracePeriodSeconds: 10, type: 'admin' }));
    expectValidationError(res, [['body', 'type']]);
  });
});

describe('bodies with operators where a string is expected', () => {
  it.each(endpointLabels)('%s: name {"$gt": ""} → 400 naming ["body","name"]', async (label) => {
    const { method, path, valid } = endpoint(label);
    const res = await withNothingWritten(() => send(method, path, { ...valid, name: { $gt: '' } }));
    expectValidationError(res, [['body', 'name']]);
  });

  it.each(endpointLabels)('%s: name {"$ne": null} → 400 naming ["body","name"]', async (label) => {
    const { method, path, valid } = endpoint(label);
    const res = await withNothingWritten(() => send(method, path, { ...valid, name: { $ne: null } }));
    expectValidationError(res, [['body', 'name']]);
  });

  it('a duplicated JSON key whose last value is an operator → 400 (the operator is what counts)', async () => {
    const res = await withNothingWritten(() => sendRaw('post', '/api/buckets', '{"name":"greenhouse","name":{"$gt":""}}'));
    expectValidationError(res, [['body', 'name']]);
  });

  it('an update operator as a top-level field → 400 naming it', async () => {
    const res = await withNothingWritten(() => send('patch', `/api/buckets/${tenant.bucketId}`, { $set: { organizationId: objectId() } }));
    expectValidationError(res, [['body', '$set']]);
  });
});

describe('bodies with __proto__ or constructor keys', () => {
  const marker = 'dakkioPollutedByTest';

  afterEach(() => {
    expect(Object.hasOwn(Object.prototype, marker)).toBe(false);
    expect(({} as Record<string, unknown>)[marker]).toBeUndefined();
  });

  /** Raw JSON members, so the dangerous key is really in the text the server parses. */
  const dangerousMembers: [string, string, (string | number)[][]][] = [
    ['a __proto__ object', `"__proto__":{"${marker}":true}`, [['body', '__proto__']]],
    ['a __proto__ overriding a field', '"__proto__":{"retentionDays":1,"type":"admin"}', [['body', '__proto__']]],
    ['a null __proto__', '"__proto__":null', [['body', '__proto__']]],
    [
      'constructor.prototype',
      `"constructor":{"prototype":{"${marker}":true}}`,
      [
        ['body', 'constructor'],
        ['body', 'constructor', 'prototype'],
      ],
    ],
    ['a constructor string', '"constructor":"Object"', [['body', 'constructor']]],
  ];

  const cases = endpointLabels.flatMap((label) => dangerousMembers.map(([what]) => [label, what] as const));

  it.each(cases)('%s with %s → 400 naming the key, prototype untouched', async (label, what) => {
    const { method, path, valid } = endpoint(label);
    const [, member, paths] = dangerousMembers.find(([candidate]) => candidate === what)!;
    const raw = `{${[...Object.entries(valid).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`), member].join(',')}}`;
    const res = await withNothingWritten(() => sendRaw(method, path, raw));
    expectValidationError(res, paths);
  });

  it('__proto__ first, before the valid fields → 400 naming it', async () => {
    const raw = `{"__proto__":{"${marker}":true},"name":"proto first ${objectId()}"}`;
    const res = await withNothingWritten(() => sendRaw('post', '/api/buckets', raw));
    expectValidationError(res, [['body', '__proto__']]);
  });

  it('__proto__ spelled with \\u escapes as a data source field → 400 naming it', async () => {
    const raw = `{"name":"escaped ${objectId()}","schema":{"ok":"number","\\u005f\\u005fproto\\u005f\\u005f":"number"}}`;
    const res = await withNothingWritten(() => sendRaw('post', `/api/buckets/${tenant.bucketId}/sources`, raw));
    expectValidationError(res, [['body', 'schema', '__proto__']]);
  });

  it('__proto__ nested inside a field → 400 naming that field and the key', async () => {
    const raw = `{"name":{"__proto__":{"${marker}":true}}}`;
    const res = await withNothingWritten(() => sendRaw('post', '/api/buckets', raw));
    expectValidationError(res, [
      ['body', 'name'],
      ['body', 'name', '__proto__'],
    ]);
  });
});

describe('names that are too long, empty or contain control characters', () => {
  const badNames: [string, string][] = [
    ['101 characters', 'n'.repeat(101)],
    ['101 characters between spaces', `  ${'n'.repeat(101)}  `],
    ['empty', ''],
    ['only spaces', '   '],
    ['only tabs and newlines', '\t\n\r '],
    ['with a NUL character', 'green\u0000house'],
    ['with a newline', 'green\nhouse'],
    ['with an ANSI escape sequence', 'green\u001b[31mhouse'],
    ['with DEL', 'green\u007fhouse'],
    ['with a C1 control character', 'green\u009bhouse'],
  ];

  const cases = endpointLabels.flatMap((label) => badNames.map(([what]) => [label, what] as const));

  it.each(cases)('%s with a name %s → 400 naming ["body","name"]', async (label, what) => {
    const { method, path, valid } = endpoint(label);
    const name = badNames.find(([candidate]) => candidate === what)![1];
    const res = await withNothingWritten(() => send(method, path, { ...valid, name }));
    expectValidationError(res, [['body', 'name']]);
  });
});

describe('bodies on every body-taking endpoint: oversize, wrong Content-Type, malformed JSON', () => {
  it.each(endpointLabels)('%s with a 1.1 MB body → 413 Payload Too Large', async (label) => {
    const { method, path, valid } = endpoint(label);
    const padding = 'x'.repeat(Math.ceil(1.1 * 1024 * 1024));
    const res = await withNothingWritten(() => send(method, path, { ...valid, description: padding }));
    expectErrorBody(res, 413, 'Payload Too Large');
  });

  it.each(endpointLabels)('%s with Content-Type text/plain → 415 Unsupported Media Type', async (label) => {
    const { method, path, valid } = endpoint(label);
    const res = await withNothingWritten(() => sendRaw(method, path, JSON.stringify(valid), 'text/plain'));
    expectErrorBody(res, 415, 'Unsupported Media Type');
  });

  it.each(endpointLabels)('%s with malformed JSON → 400 Validation Error', async (label) => {
    const { method, path } = endpoint(label);
    const res = await withNothingWritten(() => sendRaw(method, path, '{"name": '));
    expectErrorBody(res, 400, 'Validation Error');
  });
});

describe('malformed IDs in the path (admin key)', () => {
  const badIds = ['not-an-id', '123', 'xyz', 'zzzzzzzzzzzzzzzzzzzzzzzz', 'a'.repeat(25), 'abcdefghijkl', '%24gt', '%00'];

  /** `BAD` is the malformed ID; `:bucketId` / `:anyId` are filled in when the test runs. */
  const bucketIdRoutes: [string, string, object | undefined][] = [
    ['GET', '/api/buckets/BAD', undefined],
    ['PATCH', '/api/buckets/BAD', { name: 'renamed' }],
    ['DELETE', '/api/buckets/BAD', undefined],
    ['GET', '/api/buckets/BAD/keys', undefined],
    ['POST', '/api/buckets/BAD/keys', { name: 'k', type: 'read' }],
    ['DELETE', '/api/buckets/BAD/keys/:anyId', undefined],
    ['POST', '/api/buckets/BAD/keys/:anyId/rotate', {}],
  ];
  const keyIdRoutes: [string, string, object | undefined][] = [
    ['DELETE', '/api/buckets/:bucketId/keys/BAD', undefined],
    ['POST', '/api/buckets/:bucketId/keys/BAD/rotate', { gracePeriodSeconds: 10 }],
    ['DELETE', '/api/keys/BAD', undefined],
  ];
  const expand = (routes: [string, string, object | undefined][]) =>
    badIds.flatMap((id) => routes.map(([method, path, body]) => [method, path.replace('BAD', id), body] as const));

  it.each(expand(bucketIdRoutes))('%s %s → 400 "Invalid bucket ID format"', async (method, template, body) => {
    const res = await withNothingWritten(() => send(method.toLowerCase() as Method, resolvePath(template), body));
    expectError(res, 400, 'Validation Error', 'Invalid bucket ID format');
  });

  it.each(expand(keyIdRoutes))('%s %s → 400 "Invalid key ID format"', async (method, template, body) => {
    const res = await withNothingWritten(() => send(method.toLowerCase() as Method, resolvePath(template), body));
    expectError(res, 400, 'Validation Error', 'Invalid key ID format');
  });

  it('both IDs malformed → the bucket ID is reported', async () => {
    const res = await withNothingWritten(() => send('delete', '/api/buckets/not-an-id/keys/xyz'));
    expectError(res, 400, 'Validation Error', 'Invalid bucket ID format');
  });

  it('a malformed ID with a malformed body → the ID is what is reported', async () => {
    const res = await withNothingWritten(() => sendRaw('patch', '/api/buckets/not-an-id', '{"name":'));
    expectError(res, 400, 'Validation Error', 'Invalid bucket ID format');
  });
});

describe('GET /api/buckets with bad query parameters', () => {
  it.each<[string, Path[]]>([
    ['limit=0', [['query', 'limit']]],
    ['limit=1001', [['query', 'limit']]],
    ['limit=abc', [['query', 'limit']]],
    ['limit=1.5', [['query', 'limit']]],
    ['limit=-5', [['query', 'limit']]],
    ['limit=', [['query', 'limit']]],
    ['limit=1e9', [['query', 'limit']]],
    ['offset=-1', [['query', 'offset']]],
    ['offset=abc', [['query', 'offset']]],
    ['offset=0.5', [['query', 'offset']]],
    ['limit=1&limit=2', [['query', 'limit']]],
    ['offset=1&offset=1', [['query', 'offset']]],
    ['page=2', [['query', 'page']]],
    ['limit=10&sort=name', [['query', 'sort']]],
    ['limit[$gt]=1', [['query', 'limit[$gt]']]],
    [
      'limit=0&offset=-1',
      [
        ['query', 'limit'],
        ['query', 'offset'],
      ],
    ],
  ])('?%s → 400 naming the parameter', async (query, paths) => {
    const res = await withNothingWritten(() => send('get', `/api/buckets?${query}`));
    expectValidationError(res, paths);
  });
});
