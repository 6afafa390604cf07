import fc from 'fast-check';
import type { Request } from 'express';
import { Types } from 'mongoose';
import type { Response } from 'supertest';
import type { z } from 'zod';
import { presentedKeyOf } from '../src/http/authenticate';
import { routeTable } from '../src/http/routeTable';
import { parseOrThrow } from '../src/http/validation';
import { generateKey, keyPrefixOf, lookupHashOf, parseKeyType } from '../src/modules/keys/keyFormat';
import { DomainError } from '../src/shared/errors';
import { createBucketKey, createOrganization, createTenant, type Tenant } from './support/tenants';
import { useTestApp } from './support/testApp';

/**
 * Property-based tests (fast-check): the key parser and the request validators as pure
 * functions, then the real app over HTTP with random bodies and random keys, and
 * metamorphic properties of aggregation (what the server sums, counts, and takes the
 * min/max/avg of is what JavaScript computes from the same points).
 * Run counts are kept modest so the file stays well under a minute on the embedded database.
 */

// Rate limits are not under test here: hundreds of requests must not turn into 429s.
const app = useTestApp({ RATE_LIMIT_PER_IP: '1000000', RATE_LIMIT_PER_KEY: '1000000' });

const failedRequestLines = () => app().logs.filter((line) => line.includes('"msg":"request failed"'));

afterEach(() => {
  // The error handler logs every 5xx before it answers; none may have happened.
  expect(failedRequestLines()).toEqual([]);
});

const uniqueName = (label: string) => `${label} ${new Types.ObjectId().toHexString()}`;
const objectId = () => new Types.ObjectId().toHexString();

// ---------------------------------------------------------------------------------------
// Shared arbitraries
// ---------------------------------------------------------------------------------------

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const wellFormedKey = /^dakkio_[awr]_[0-9A-Za-z]{40}$/;
const keyTypes = ['admin', 'write', 'read'] as const;
const typeByLetter = { a: 'admin', w: 'write', r: 'read' } as const;

/** Strings that are, or are one mistake away from, a well-formed key. */
const nearKey: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('dakkio_a_', 'dakkio_w_', 'dakkio_r_', 'dakkio_x_', 'Dakkio_a_', 'dakkio_a', 'dakkio__', 'dakkioa_', ''),
    fc.stringMatching(/^[0-9A-Za-z]{38,42}$/),
    fc.constantFrom('', '', '', '\n', ' ', '_', '-', '\u0000', 'é'),
    fc.constantFrom('', '', '', ' ', '\t', '\n'),
  )
  .map(([prefix, secret, suffix, lead]) => lead + prefix + secret + suffix);

const anyString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  nearKey,
  fc.stringMatching(wellFormedKey),
);

/** Header values Node's client accepts (it refuses anything else before sending). */
const headerSafe = (value: string) => !/[^\t\x20-\x7e\x80-\xff]/.test(value);
const latin1Char = fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c));

/** Names that are dangerous or meaningful as object keys somewhere between JSON.parse and MongoDB. */
const weirdKeys = [
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf',
  '$gt', '$ne', '$where', '$set', '$expr', '$function', 'a.b', '.', '', ' ', '\u0000', '$',
];
const fieldNames = [
  'bucketId', 'dataSourceId', 'dataSourceIds', 'name', 'description', 'retentionDays', 'type', 'schema',
  'downsampling', 'status', 'timestamp', 'values', 'metadata', 'dataPoints', 'filters', 'startTime', 'endTime',
  'limit', 'offset', 'order', 'fields', 'aggregation', 'groupBy', 'temperature', 'label', 'on', 'unit',
];

/**
 * Raw JSON text is generated rather than objects, so that the bodies can hold what
 * JSON.stringify never writes: numbers beyond double range (1e400), duplicate keys, own
 * `__proto__` keys and `\u` escapes that JSON.parse decodes into reserved names.
 */
const rawKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...weirdKeys, ...fieldNames).map((key) => JSON.stringify(key)),
  fc.string({ maxLength: 12 }).map((key) => JSON.stringify(key)),
  fc.constantFrom('"\\u005f_proto__"', '"__proto\\u005f_"', '"\\u0024gt"', '"constructo\\u0072"', '"\\u0000"', '"\\ud800"'),
);

const isoTimes = [
  '2024-06-01T12:00:00Z', '2024-06-01T12:00:00.123+05:30', '2024-06-02T00:00:00.000Z', '1970-01-01T00:00:00Z',
  '1969-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59+23:59', '2024-02-30T00:00:00Z',
  '2024-01-01T24:00:00Z', '2024-01-01', '2999-01-01T00:00:00Z', 'now', '',
];
const rawScalar: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '1e400', '-1e400', '1e-400', '123456789012345678901234567890', '-0', '0.1', '1.7976931348623157e308', '5e-324',
    '0', '1', '3650', '3651', '-1', '1000', '1001', '10000', '10001', 'true', 'false', 'null', '""',
    '"number"', '"string"', '"boolean"', '"sum"', '"count"', '"avg"', '"first"', '"last"', '"day"', '"month"',
    '"asc"', '"desc"', '"write"', '"read"', '"active"',
  ),
  fc.constantFrom(...isoTimes).map((time) => JSON.stringify(time)),
  fc.double().map((value) => (Number.isFinite(value) ? String(value) : '1e999')),
  fc.integer().map(String),
  fc.string({ maxLength: 20 }).map((value) => JSON.stringify(value)),
  fc.string({ unit: 'binary', maxLength: 20 }).map((value) => JSON.stringify(value)),
  fc.stringMatching(/^[0-9a-fA-F]{23,25}$/).map((value) => JSON.stringify(value)),
);

const { json: rawJson } = fc.letrec<{ json: string; array: string; object: string }>((tie) => ({
  json: fc.oneof({ depthSize: 'small', withCrossShrink: true }, rawScalar, tie('array'), tie('object')),
  array: fc.array(tie('json'), { maxLength: 5 }).map((items) => `[${items.join(',')}]`),
  object: fc.array(fc.tuple(rawKey, tie('json')), { maxLength: 6 }).map((entries) => `{${entries.map(([k, v]) => `${k}:${v}`).join(',')}}`),
}));

/** A value nested 1-60 levels deep in arrays and objects (the reserved-key walk stops at 32). */
const deeplyNested: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(fc.constantFrom('[', '{"a":', '{"values":', '{"__proto__":', '{"$gt":'), { minLength: 1, maxLength: 60 }),
    rawScalar,
  )
  .map(([openers, leaf]) =>
    openers.reduceRight((inner, opener) => `${opener}${inner}${opener === '[' ? ']' : '}'}`, leaf),
  );

const objectText = (entries: [string, string][]) => `{${entries.map(([k, v]) => `${k}:${v}`).join(',')}}`;

interface Field {
  value: fc.Arbitrary<string>;
  optional: boolean;
}
type Fields = Record<string, fc.Arbitrary<string> | Field>;
const optional = (value: fc.Arbitrary<string>): Field => ({ value, optional: true });

/** One change that (usually) makes a valid body invalid: a field's value replaced, a field dropped, an entry added. */
type Mutation =
  | { kind: 'replace'; at: number; value: string }
  | { kind: 'drop'; at: number }
  | { kind: 'add'; at: number; key: string; value: string };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: fc.oneof(rawScalar, rawJson, deeplyNested) }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('add' as const), at: fc.nat(), key: rawKey, value: fc.oneof(rawScalar, rawJson, deeplyNested) }),
);

function mutate(entries: [string, string][], change: Mutation): [string, string][] {
  const copy = [...entries];
  if (change.kind === 'add') {
    copy.splice(change.at % (copy.length + 1), 0, [change.key, change.value]);
  } else if (copy.length > 0) {
    const at = change.at % copy.length;
    if (change.kind === 'drop') copy.splice(at, 1);
    else copy[at] = [copy[at]![0], change.value];
  }
  return copy;
}

/**
 * A route's body as JSON text: its fields with valid values (optional ones sometimes left
 * out), then, one time in `1 + cleanWeight`, 1 to 2 random changes. So many bodies are valid
 * and reach the use case, and the others fail in every possible place.
 */
function bodyFrom(fields: Fields, cleanWeight = 1): fc.Arbitrary<string> {
  const parts = Object.entries(fields).map(([name, field]) => {
    const { value, optional: isOptional } = field instanceof fc.Arbitrary ? { value: field, optional: false } : field;
    return (isOptional ? fc.option(value, { freq: 2 }) : value).map((text): [string, string][] => (text === null ? [] : [[JSON.stringify(name), text]]));
  });
  return fc
    .tuple(
      fc.tuple(...parts),
      fc.oneof({ weight: cleanWeight, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 2 }) }),
    )
    .map(([picked, changes]) => objectText(changes.reduce(mutate, picked.flat())));
}

const quoted = (value: string) => JSON.stringify(value);
const uniqueNameText = (label: string) => fc.constant(null).map(() => quoted(uniqueName(label)));
const printable = (maxLength: number) => fc.string({ minLength: 1, maxLength }).filter((v) => v.trim().length > 0 && !/[\u0000-\u001f\u007f-\u009f]/.test(v));

/** ISO times up to 2026-01-01 (all in the past), in Z or with an offset. */
const timeText = fc
  .tuple(fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2026-01-01T00:00:00Z'), noInvalidDate: true }), fc.constantFrom(0, 0, 120, -330))
  .map(([date, offsetMinutes]) => {
    if (offsetMinutes === 0) return quoted(date.toISOString());
    const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString().slice(0, -1);
    const sign = offsetMinutes < 0 ? '-' : '+';
    const abs = Math.abs(offsetMinutes);
    return quoted(`${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`);
  });
const finiteText = fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => JSON.stringify(value));
const scalarText = fc.oneof(finiteText, fc.string({ maxLength: 30 }).map(quoted), fc.boolean().map(String));
const metadataText = fc
  .dictionary(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,10}$/), scalarText, { maxKeys: 4 })
  .map((entries) => objectText(Object.entries(entries).map(([k, v]) => [quoted(k), v])));
/** Values for a data source with schema { temperature: number, label: string, on: boolean }. */
const valuesText = fc
  .record({ temperature: finiteText, label: fc.string({ maxLength: 40 }).map(quoted), on: fc.boolean().map(String) }, { requiredKeys: [] })
  .filter((fields) => Object.keys(fields).length > 0)
  .map((fields) => objectText(Object.entries(fields).map(([k, v]) => [quoted(k), v])));
const fieldSchemaText = fc
  .dictionary(
    fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/),
    fc.constantFrom('"number"', '"string"', '"boolean"', '{"type":"number","unit":"C"}', '{"type":"string","description":"d"}'),
    { minKeys: 1, maxKeys: 4 },
  )
  .map((entries) => objectText(Object.entries(entries).map(([k, v]) => [quoted(k), v])));
const aggregationText = fc.constantFrom('"avg"', '"min"', '"max"', '"sum"', '"count"', '"first"', '"last"');
const intervalText = fc.constantFrom('"minute"', '"hour"', '"day"', '"week"', '"month"');
const arrayText = (item: fc.Arbitrary<string>, minLength: number, maxLength: number) =>
  fc.array(item, { minLength, maxLength }).map((items) => `[${items.join(',')}]`);

interface Ids {
  bucketId: () => fc.Arbitrary<string>;
  sourceId: () => fc.Arbitrary<string>;
}

/** Per route (by "METHOD path"), valid bodies with up to two random mutations each. */
function routeBodies(ids: Ids): Record<string, fc.Arbitrary<string>> {
  const bucketId = () => ids.bucketId().map(quoted);
  const sourceId = () => ids.sourceId().map(quoted);
  const point = bodyFrom({ dataSourceId: sourceId(), timestamp: optional(timeText), values: valuesText, metadata: optional(metadataText) }, 6);
  const filters = bodyFrom(
    {
      startTime: optional(timeText),
      endTime: optional(timeText),
      limit: optional(fc.oneof(fc.integer({ min: 1, max: 10_000 }).map(String), fc.constantFrom('1e3', '10000.0', '1.0'))),
      offset: optional(fc.oneof(fc.integer({ min: 0, max: 5 }).map(String), fc.constantFrom('-0', '0.0', '1e0'))),
      order: optional(fc.constantFrom('"asc"', '"desc"')),
      fields: optional(fc.subarray(['"temperature"', '"label"', '"on"'], { minLength: 1 }).map((names) => `[${names.join(',')}]`)),
      metadata: optional(metadataText),
      aggregation: optional(aggregationText),
      groupBy: optional(intervalText),
    },
    3,
  );
  const bucketFields = {
    name: fc.oneof({ weight: 4, arbitrary: uniqueNameText('bucket') }, { weight: 1, arbitrary: fc.constant('"same name"') }, { weight: 1, arbitrary: printable(100).map(quoted) }),
    description: optional(fc.string({ maxLength: 60 }).map(quoted)),
    retentionDays: optional(fc.oneof(fc.integer({ min: 1, max: 3650 }).map(String), fc.constantFrom('3650.0', '1e1'))),
  };
  const sourceFields = {
    name: fc.oneof({ weight: 4, arbitrary: uniqueNameText('source') }, { weight: 1, arbitrary: fc.constant('"same name"') }),
    type: optional(printable(50).map(quoted)),
    description: optional(fc.string({ maxLength: 60 }).map(quoted)),
    schema: fieldSchemaText,
    downsampling: optional(fc.boolean().map(String)),
  };
  const partial = (fields: Fields) => Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, optional(f instanceof fc.Arbitrary ? f : f.value)]));
  const keyFields = {
    name: uniqueNameText('key'),
    expiresAt: optional(fc.constantFrom('"2999-01-01T00:00:00Z"', '"2000-01-01T00:00:00Z"')),
  };
  return {
    'POST /api/buckets': bodyFrom(bucketFields),
    'PATCH /api/buckets/:bucketId': bodyFrom(partial(bucketFields)),
    'POST /api/buckets/:bucketId/sources': bodyFrom(sourceFields),
    'PATCH /api/buckets/:bucketId/sources/:sourceId': bodyFrom({ ...partial(sourceFields), status: optional(fc.constantFrom('"active"', '"inactive"')) }),
    'POST /api/buckets/:bucketId/keys': bodyFrom({
      ...keyFields,
      type: fc.constantFrom('"write"', '"read"'),
      scopes: optional(fc.constantFrom('["data:read"]', '["data:write","data:read"]', '["keys:write"]')),
    }),
    'POST /api/buckets/:bucketId/keys/:keyId/rotate': bodyFrom({ gracePeriodSeconds: optional(fc.integer({ min: 0, max: 86_400 }).map(String)) }),
    'POST /api/keys': bodyFrom(keyFields),
    'POST /api/data': bodyFrom({ bucketId: bucketId(), dataSourceId: sourceId(), timestamp: optional(timeText), values: valuesText, metadata: optional(metadataText) }),
    'POST /api/data/batch': bodyFrom({ bucketId: bucketId(), dataPoints: arrayText(point, 1, 5) }),
    'POST /api/data/query': bodyFrom({
      bucketId: bucketId(),
      dataSourceId: optional(sourceId()),
      dataSourceIds: optional(arrayText(sourceId(), 1, 3)),
      filters: optional(filters),
      aggregation: optional(aggregationText),
      groupBy: optional(intervalText),
    }),
    'DELETE /api/data': bodyFrom({ bucketId: bucketId(), dataSourceId: optional(sourceId()), startTime: timeText, endTime: timeText }),
  };
}

// ---------------------------------------------------------------------------------------
// 1. The key format (pure)
// ---------------------------------------------------------------------------------------

describe('key format (pure)', () => {
  it('parseKeyType never throws and accepts exactly the well-formed keys, naming their type', () => {
    fc.assert(
      fc.property(anyString, (candidate) => {
        const type = parseKeyType(candidate);
        if (wellFormedKey.test(candidate)) {
          expect(type).toBe(typeByLetter[candidate[7] as 'a' | 'w' | 'r']);
        } else {
          expect(type).toBeNull();
        }
      }),
      { numRuns: 200 },
    );
  });

  it('every generated key parses as its own type, with the documented prefix and length', () => {
    fc.assert(
      fc.property(fc.constantFrom(...keyTypes), (type) => {
        const key = generateKey(type);
        expect(key).toMatch(wellFormedKey);
        expect(key).toHaveLength(49);
        expect(key.startsWith(`dakkio_${type[0]}_`)).toBe(true);
        expect(parseKeyType(key)).toBe(type);
        expect(keyPrefixOf(key)).toBe(`${key.slice(0, 12)}...`);
        expect(keyPrefixOf(key)).toHaveLength(15);
      }),
      { numRuns: 150 },
    );
  });

  it('keyPrefixOf is the first 12 characters followed by "..." for any string', () => {
    fc.assert(
      fc.property(anyString, (key) => {
        const prefix = keyPrefixOf(key);
        expect(prefix).toBe(`${key.slice(0, 12)}...`);
        expect(key.startsWith(prefix.slice(0, -3))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('lookupHashOf is deterministic, 64 lowercase hex characters, and tells different keys apart', () => {
    fc.assert(
      fc.property(anyString, anyString, (a, b) => {
        const hash = lookupHashOf(a);
        expect(hash).toMatch(/^[0-9a-f]{64}$/);
        expect(lookupHashOf(a)).toBe(hash);
        expect(lookupHashOf(`${a}`)).toBe(hash);
        if (a !== b) expect(lookupHashOf(b)).not.toBe(hash);
      }),
      { numRuns: 200 },
    );
  });

  it('presentedKeyOf: X-API-Key (trimmed) wins, else a Bearer token, else nothing', () => {
    const token = fc.string({ unit: latin1Char, minLength: 1, maxLength: 60 }).filter((value) => !/\s/.test(value));
    fc.assert(
      fc.property(fc.option(anyString), fc.option(token), fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic'), (header, bearer, scheme) => {
        const headers: Record<string, string> = {};
        if (header !== null) headers['x-api-key'] = header;
        if (bearer !== null) headers.authorization = `${scheme} ${bearer}`;
        const presented = presentedKeyOf({ headers } as unknown as Request);
        if (header !== null && header.length > 0) expect(presented).toBe(header.trim());
        else if (bearer !== null && scheme !== 'Basic') expect(presented).toBe(bearer);
        else expect(presented).toBeNull();
      }),
      { numRuns: 150 },
    );
  });
});

// ---------------------------------------------------------------------------------------
// 2. The validators (pure): any input ends in the schema's output or a DomainError
// ---------------------------------------------------------------------------------------

/** Calls parseOrThrow; returns the DomainError it threw, or null when it returned. Anything else fails. */
function outcomeOf(location: 'params' | 'query' | 'body' | 'headers', schema: z.ZodType, input: unknown): DomainError | null {
  try {
    parseOrThrow(location, schema, input);
    return null;
  } catch (error) {
    if (!(error instanceof DomainError)) {
      throw new Error(`parseOrThrow(${location}) threw ${String(error)} instead of a DomainError`, { cause: error });
    }
    return error;
  }
}

function expectValidationDetails(error: DomainError, location: string): void {
  expect(error.code).toBe('VALIDATION_FAILED');
  expect(Array.isArray(error.details)).toBe(true);
  expect(error.details!.length).toBeGreaterThan(0);
  for (const detail of error.details!) {
    expect(Object.keys(detail).sort()).toEqual(['message', 'path']);
    expect(Array.isArray(detail.path)).toBe(true);
    expect(detail.path[0]).toBe(location);
    for (const part of detail.path) expect(['string', 'number']).toContain(typeof part);
    expect(typeof detail.message).toBe('string');
    expect(detail.message.length).toBeGreaterThan(0);
  }
  // The details must survive the trip into a JSON response body unchanged.
  expect(JSON.parse(JSON.stringify(error.details))).toEqual(error.details);
}

const bodyRoutes = routeTable.filter((route) => route.request.body);
const paramRoutes = routeTable.filter((route) => route.request.params);
const queryRoutes = routeTable.filter((route) => route.request.query);
const headerRoutes = routeTable.filter((route) => route.request.headers);
const routeName = (route: (typeof routeTable)[number]) => `${route.method.toUpperCase()} ${route.path}`;

/** Arbitrary JSON values, parsed from raw JSON text (own __proto__ keys included) or generated directly. */
const anyJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.oneof(rawJson, deeplyNested).map((text) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text; // not JSON after all: the text itself is a value too
    }
  }),
  fc.anything({ withNullPrototype: true, withSparseArray: true, withDate: true, withBigInt: true, maxDepth: 4 }),
);

/** Valid-then-mutated bodies for the routes that have a generator, with made-up IDs. */
const pureBodies = routeBodies({ bucketId: () => fc.constant(objectId()), sourceId: () => fc.constant(objectId()) });
const parsedOrText = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

describe('validators (pure)', () => {
  it.each(bodyRoutes.map((route) => [routeName(route), route] as const))(
    'body of %s: any JSON value is accepted or refused with VALIDATION_FAILED details under "body"',
    (_name, route) => {
      const plausible = pureBodies[routeName(route)];
      fc.assert(
        fc.property(plausible ? fc.oneof(anyJsonValue, plausible.map(parsedOrText)) : anyJsonValue, (input) => {
          const error = outcomeOf('body', route.request.body!, input);
          if (error) expectValidationDetails(error, 'body');
        }),
        { numRuns: 120 },
      );
    },
  );

  it.each(paramRoutes.map((route) => [routeName(route), route] as const))(
    'params of %s: accepted exactly when every path ID is 24 hex characters, else INVALID_ID',
    (_name, route) => {
      const names = [...route.path.matchAll(/:(\w+)/g)].map((match) => match[1] as string);
      const id = fc.oneof(anyString, fc.stringMatching(/^[0-9a-fA-F]{22,26}$/), fc.constant(objectId()), fc.constant(objectId().toUpperCase()));
      fc.assert(
        fc.property(fc.tuple(...names.map(() => id)), (values) => {
          const params = Object.fromEntries(names.map((name, i) => [name, values[i]]));
          const error = outcomeOf('params', route.request.params!, params);
          const allValid = values.every((value) => /^[0-9a-fA-F]{24}$/.test(value));
          if (allValid) {
            expect(error).toBeNull();
          } else {
            expect(error?.code).toBe('INVALID_ID');
            expect(error?.message).toMatch(/^Invalid (bucket|key|data source) ID format$/);
          }
        }),
        { numRuns: 120 },
      );
    },
  );

  it.each(queryRoutes.map((route) => [routeName(route), route] as const))(
    'query of %s: any parsed query string is accepted or refused with VALIDATION_FAILED details under "query"',
    (_name, route) => {
      const queryValue = fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.integer({ min: -10, max: 2000 }).map(String));
      const queryKey = fc.oneof(fc.constantFrom('limit', 'offset', ...weirdKeys), fc.string({ maxLength: 8 }));
      fc.assert(
        fc.property(fc.dictionary(queryKey, queryValue, { maxKeys: 4 }), fc.boolean(), (entries, nullPrototype) => {
          // The 'simple' query parser (node:querystring) returns null-prototype objects.
          const query = nullPrototype ? Object.assign(Object.create(null) as object, entries) : entries;
          const error = outcomeOf('query', route.request.query!, query);
          if (error) expectValidationDetails(error, 'query');
        }),
        { numRuns: 120 },
      );
    },
  );

  it.each(headerRoutes.map((route) => [routeName(route), route] as const))(
    'headers of %s: any header set is accepted or refused with VALIDATION_FAILED details under "headers"',
    (_name, route) => {
      const headerName = fc.oneof(fc.constant('idempotency-key'), fc.string({ maxLength: 8 }));
      const headerValue = fc.oneof(fc.string({ maxLength: 300 }), fc.array(fc.string(), { maxLength: 2 }));
      fc.assert(
        fc.property(fc.dictionary(headerName, headerValue, { maxKeys: 3 }), (headers) => {
          const error = outcomeOf('headers', route.request.headers!, headers);
          if (error) expectValidationDetails(error, 'headers');
        }),
        { numRuns: 120 },
      );
    },
  );
});

// ---------------------------------------------------------------------------------------
// 3. Through the real app: random bodies never 5xx, random keys always 401
// ---------------------------------------------------------------------------------------

const documentedStatuses = [200, 201, 400, 404, 409, 413, 415];

/** Any error answer carries the §2 envelope, with the requestId of the response header. */
function expectEnvelope(res: Response): void {
  const body = res.body as Record<string, unknown>;
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(typeof body.error).toBe('string');
  expect(typeof body.message).toBe('string');
  expect((body.message as string).length).toBeGreaterThan(0);
  expect(typeof body.requestId).toBe('string');
  expect(body.requestId).toBe(res.headers['x-request-id']);
  for (const field of Object.keys(body)) expect(['error', 'message', 'details', 'requestId']).toContain(field);
}

describe('random bodies through the real app', () => {
  let tenant: Tenant;
  let sourceId: string;

  beforeAll(async () => {
    tenant = await createTenant(app());
    const res = await app()
      .http.post(`/api/buckets/${tenant.bucketId}/sources`)
      .set('X-API-Key', tenant.adminKey)
      .send({ name: uniqueName('source'), schema: { temperature: 'number', label: 'string', on: 'boolean' } })
      .expect(201);
    sourceId = res.body.dataSource._id as string;
  });

  interface Target {
    name: string;
    method: 'post' | 'delete';
    path: () => string;
    success: number;
    /** Whether the route takes an Idempotency-Key. */
    idempotent: boolean;
  }

  const route = (target: Target) => routeTable.find((candidate) => routeName(candidate) === target.name)!;

  const targets: Target[] = [
    { name: 'POST /api/buckets', method: 'post', path: () => '/api/buckets', success: 201, idempotent: false },
    { name: 'POST /api/buckets/:bucketId/sources', method: 'post', path: () => `/api/buckets/${tenant.bucketId}/sources`, success: 201, idempotent: false },
    { name: 'POST /api/data', method: 'post', path: () => '/api/data', success: 201, idempotent: true },
    { name: 'POST /api/data/batch', method: 'post', path: () => '/api/data/batch', success: 201, idempotent: true },
    { name: 'POST /api/data/query', method: 'post', path: () => '/api/data/query', success: 200, idempotent: false },
    { name: 'DELETE /api/data', method: 'delete', path: () => '/api/data', success: 200, idempotent: false },
  ];

  // The arbitraries need the tenant's IDs, which exist only once beforeAll ran.
  const bodiesFor = () =>
    routeBodies({
      // IDs may come in upper case: they are hex, and must still name the same things.
      bucketId: () => fc.constantFrom(tenant.bucketId, tenant.bucketId, tenant.bucketId.toUpperCase()),
      sourceId: () =>
        fc.oneof({ weight: 8, arbitrary: fc.constantFrom(sourceId, sourceId, sourceId.toUpperCase()) }, { weight: 1, arbitrary: fc.constant(null).map(objectId) }),
    });
  /** A small pool, so keys repeat: the same key with another body must be a 409, not a 500. */
  const idempotencyKey = fc.option(fc.constantFrom('retry-1', 'retry-2', 'retry-3', 'has space', 'x'.repeat(256)), { freq: 2 });

  /** Any top-level JSON text, an object of the route's fields, or something nested very deeply. */
  const anyBody = (target: Target) =>
    fc.oneof(
      { weight: 1, arbitrary: rawJson },
      { weight: 1, arbitrary: deeplyNested },
      { weight: 6, arbitrary: bodiesFor()[target.name]! },
    );

  it.each(targets.map((target) => [target.name, target] as const))(
    '%s: never 5xx, always a documented status, errors in the §2 envelope',
    async (_name, target) => {
      await fc.assert(
        fc.asyncProperty(anyBody(target), idempotencyKey, async (body, retryKey) => {
          const failuresBefore = failedRequestLines().length;
          const req = app().http[target.method](target.path()).set('X-API-Key', tenant.adminKey).set('Content-Type', 'application/json');
          if (target.idempotent && retryKey !== null) req.set('Idempotency-Key', retryKey);
          const res = await req.send(body);
          expect({ status: res.status, documented: documentedStatuses.includes(res.status), body: res.body as unknown }).toMatchObject({
            documented: true,
          });
          if (res.status < 300) {
            expect(res.status).toBe(target.success);
            // A success must be what the route documents (the same schema the OpenAPI document is made from).
            const documented = route(target).response.schema.safeParse(res.body);
            expect({ body: res.body as unknown, issues: documented.error?.issues ?? [] }).toMatchObject({ issues: [] });
          } else {
            expectEnvelope(res);
          }
          expect(failedRequestLines()).toHaveLength(failuresBefore);
        }),
        { numRuns: 60 },
      );
    },
    60_000,
  );

  it('any X-API-Key other than the real key gets 401 with exactly the §1 body', async () => {
    const realKey = tenant.adminKey;
    const oneCharOff = fc
      .tuple(fc.nat({ max: realKey.length - 1 }), fc.constantFrom(...base62, '_', '-', ' '))
      .map(([index, char]) => realKey.slice(0, index) + char + realKey.slice(index + 1));
    const candidate = fc
      .oneof(
        fc.string(),
        fc.string({ unit: latin1Char, maxLength: 80 }),
        nearKey,
        fc.stringMatching(wellFormedKey),
        oneCharOff,
        fc.constantFrom(realKey.slice(0, -1), `${realKey}x`, realKey.toUpperCase(), `${realKey}, ${realKey}`, `Bearer ${realKey}`, `  ${realKey}\t`),
        fc.string({ unit: latin1Char, minLength: 60, maxLength: 4000 }),
        fc.constantFrom(generateKey('admin'), generateKey('write'), generateKey('read')),
      )
      .filter(headerSafe);
    await fc.assert(
      fc.asyncProperty(candidate, async (presented) => {
        const res = await app().http.get('/api/buckets').set('X-API-Key', presented);
        // Node strips a header value's surrounding spaces and tabs; the server trims too.
        if (presented.replace(/^[ \t]+|[ \t]+$/g, '') === realKey) {
          expect(res.status).toBe(200);
          return;
        }
        expect({ status: res.status, body: res.body as unknown }).toEqual({
          status: 401,
          body: { error: 'Unauthorized', message: 'Invalid or missing API key', requestId: res.headers['x-request-id'] },
        });
      }),
      { numRuns: 80 },
    );
  }, 60_000);
});

// ---------------------------------------------------------------------------------------
// 4. Metamorphic: the server's per-day sum and count equal JavaScript's
// ---------------------------------------------------------------------------------------

describe('aggregation matches a computation in JavaScript', () => {
  let adminKey: string;
  let bucketId: string;
  let writeKey: string;

  beforeAll(async () => {
    const organization = await createOrganization(app());
    adminKey = organization.adminKey;
    const res = await app()
      .http.post('/api/buckets')
      .set('X-API-Key', adminKey)
      .send({ name: uniqueName('bucket'), retentionDays: 3650 })
      .expect(201);
    bucketId = res.body.bucket._id as string;
    writeKey = (await createBucketKey(app(), adminKey, bucketId, 'write')).key;
  });

  const dayMs = 86_400_000;
  const yearStart = Date.UTC(2024, 0, 1);
  const finite = fc.oneof(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true }));
  // Half the timestamps fall in the same few days, so days hold several points.
  const timestamp = fc.oneof(
    fc.date({ min: new Date(yearStart), max: new Date(Date.UTC(2024, 11, 31, 23, 59, 59, 999)), noInvalidDate: true }),
    fc.tuple(fc.integer({ min: 100, max: 103 }), fc.integer({ min: 0, max: dayMs - 1 })).map(([day, ms]) => new Date(yearStart + day * dayMs + ms)),
  );
  const values = fc.record({ a: finite, b: finite }, { requiredKeys: [] }).filter((v) => Object.keys(v).length > 0);
  const points = fc.array(fc.record({ timestamp, values }), { minLength: 1, maxLength: 20 });

  type Point = { timestamp: Date; values: { a?: number; b?: number } };
  type Row = { timestamp: string; dataSourceId: string; values: Record<string, number | null>; count: number };
  const year = { startTime: '2024-01-01T00:00:00Z', endTime: '2025-01-01T00:00:00Z' };

  interface Day {
    points: number;
    sum: Record<string, number>;
    count: Record<string, number>;
    min: Record<string, number>;
    max: Record<string, number>;
  }

  /** Per UTC day, ascending: the points, and per field the sum, count, min and max over the points that have it. */
  function expectedDays(generated: Point[]): [string, Day][] {
    const days = new Map<string, Day>();
    for (const p of generated) {
      const day = `${p.timestamp.toISOString().slice(0, 10)}T00:00:00.000Z`;
      const entry = days.get(day) ?? { points: 0, sum: {}, count: {}, min: {}, max: {} };
      entry.points += 1;
      for (const [field, value] of Object.entries(p.values)) {
        entry.sum[field] = (entry.sum[field] ?? 0) + value;
        entry.count[field] = (entry.count[field] ?? 0) + 1;
        entry.min[field] = Math.min(entry.min[field] ?? Infinity, value);
        entry.max[field] = Math.max(entry.max[field] ?? -Infinity, value);
      }
      days.set(day, entry);
    }
    return [...days.entries()].sort(([x], [y]) => x.localeCompare(y));
  }

  /**
   * Runs `check` against a fresh data source holding the points (so runs cannot see each
   * other), then deletes the year and expects exactly the ingested points to go.
   */
  async function withPoints(generated: Point[], check: (dataSourceId: string) => Promise<void>): Promise<void> {
    const source = await app()
      .http.post(`/api/buckets/${bucketId}/sources`)
      .set('X-API-Key', adminKey)
      .send({ name: uniqueName('source'), schema: { a: 'number', b: 'number' }, downsampling: false })
      .expect(201);
    const dataSourceId = source.body.dataSource._id as string;
    let cleaned = false;
    try {
      const ingest = await app()
        .http.post('/api/data/batch')
        .set('X-API-Key', writeKey)
        .send({ bucketId, dataPoints: generated.map((p) => ({ dataSourceId, timestamp: p.timestamp.toISOString(), values: p.values })) });
      expect({ status: ingest.status, body: ingest.body as unknown }).toEqual({
        status: 201,
        body: { message: 'Batch ingested successfully', inserted: generated.length },
      });
      await check(dataSourceId);
      // Deleting the year removes exactly what was ingested.
      const removed = await app().http.delete('/api/data').set('X-API-Key', writeKey).send({ bucketId, dataSourceId, ...year });
      expect({ status: removed.status, body: removed.body as unknown }).toEqual({
        status: 200,
        body: { message: 'Data deleted successfully', deleted: generated.length },
      });
      cleaned = true;
    } finally {
      if (!cleaned) await app().http.delete('/api/data').set('X-API-Key', adminKey).send({ bucketId, dataSourceId, ...year });
    }
  }

  /** One row per day, checked for everything but the values; `aggregation` top-level or inside `filters`. */
  async function queryByDay(dataSourceId: string, aggregation: string, inFilters: boolean, days: [string, Day][]): Promise<Row[]> {
    const range = { ...year, limit: 10_000 };
    const body = inFilters
      ? { bucketId, dataSourceId, filters: { ...range, aggregation, groupBy: 'day' } }
      : { bucketId, dataSourceId, filters: range, aggregation, groupBy: 'day' };
    const res = await app().http.post('/api/data/query').set('X-API-Key', writeKey).send(body);
    expect(res.status).toBe(200);
    expect(res.body.metadata).toEqual({ count: days.length, total: days.length, hasMore: false, aggregation, groupBy: 'day', downsamplingApplied: false });
    const rows = res.body.data as Row[];
    expect(rows.map((row) => row.timestamp)).toEqual(days.map(([day]) => day));
    rows.forEach((row, i) => {
      const [, expected] = days[i]!;
      expect(row.dataSourceId).toBe(dataSourceId);
      expect(row.count).toBe(expected.points);
      // Fields no point of the day has are left out.
      expect(Object.keys(row.values).sort()).toEqual(Object.keys(expected.count).sort());
    });
    return rows;
  }

  it('ingest then query sum/count by day gives the per-day sums and counts of the generated points', async () => {
    await fc.assert(
      fc.asyncProperty(points, fc.boolean(), async (generated, inFilters) => {
        const days = expectedDays(generated);
        await withPoints(generated, async (dataSourceId) => {
          const sums = await queryByDay(dataSourceId, 'sum', inFilters, days);
          const counts = await queryByDay(dataSourceId, 'count', inFilters, days);
          days.forEach(([, expected], i) => {
            for (const field of Object.keys(expected.count)) {
              expect(sums[i]!.values[field]).toBeCloseTo(expected.sum[field]!, 5);
              expect(counts[i]!.values[field]).toBe(expected.count[field]);
            }
          });
        });
      }),
      { numRuns: 40 },
    );
  }, 60_000);

  /**
   * Over the whole accepted range (|value| ≤ 1e300, so sums cannot overflow): min and max
   * are exactly JavaScript's, and the average is a finite number between them.
   */
  it('min/max by day equal Math.min/Math.max, and avg is a finite number between them, for any accepted values', async () => {
    // Uniform over bit patterns, doubles are rarely huge: large magnitudes get their own share.
    const anyFinite = fc.oneof(
      fc.double({ min: -1e300, max: 1e300, noNaN: true }),
      fc.double({ min: 1e299, max: 1e300, noNaN: true }),
      fc.double({ min: -1e300, max: -1e299, noNaN: true }),
    );
    const wideValues = fc.record({ a: anyFinite, b: anyFinite }, { requiredKeys: [] }).filter((v) => Object.keys(v).length > 0);
    const widePoints = fc.array(fc.record({ timestamp, values: wideValues }), { minLength: 1, maxLength: 10 });
    // JSON has no -0: compare with it folded into 0.
    const unsigned = (value: number | null | undefined) => (typeof value === 'number' ? value + 0 : value);
    await fc.assert(
      fc.asyncProperty(widePoints, async (generated) => {
        const days = expectedDays(generated);
        await withPoints(generated, async (dataSourceId) => {
          const mins = await queryByDay(dataSourceId, 'min', false, days);
          const maxes = await queryByDay(dataSourceId, 'max', false, days);
          const avgs = await queryByDay(dataSourceId, 'avg', false, days);
          days.forEach(([day, expected], i) => {
            for (const field of Object.keys(expected.count)) {
              const [min, max] = [expected.min[field]!, expected.max[field]!];
              expect({ day, field, min: unsigned(mins[i]!.values[field]) }).toEqual({ day, field, min: unsigned(min) });
              expect({ day, field, max: unsigned(maxes[i]!.values[field]) }).toEqual({ day, field, max: unsigned(max) });
              const avg = avgs[i]!.values[field];
              // null here is a non-finite average that JSON could not carry.
              expect({ day, field, avg }).toEqual({ day, field, avg: expect.any(Number) });
              expect(Number.isFinite(avg)).toBe(true);
              // A little slack for rounding: the mean of equal values may land one ulp outside.
              const slack = Math.max(Math.abs(min), Math.abs(max)) * 1e-12;
              expect(avg as number).toBeGreaterThanOrEqual(min - slack);
              expect(avg as number).toBeLessThanOrEqual(max + slack);
            }
          });
        });
      }),
      { numRuns: 40 },
    );
  }, 60_000);
});
