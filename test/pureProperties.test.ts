import fc from 'fast-check';
import type { Request } from 'express';
import type { z } from 'zod';
import { presentedKeyOf } from '../src/http/authenticate';
import { routeTable } from '../src/http/routeTable';
import { parseOrThrow } from '../src/http/validation';
import { generateKey, keyPrefixOf, lookupHashOf, parseKeyType } from '../src/modules/keys/keyFormat';
import { DomainError } from '../src/shared/errors';
import { anyString, deeplyNested, keyTypes, latin1Char, rawJson, typeByLetter, weirdKeys, wellFormedKey } from './support/arbitraries';
import { exampleFor, hasTextBody, pathParams, routeLabel, type RandomIds } from './support/routeExamples';
import { objectId } from './support/tenants';

/**
 * Property-based tests (fast-check) of pure functions: the key parser, and the request
 * validators of every route of the route table, whose bodies start from the routes' random
 * bodies in test/support/routeExamples.ts. No app, no database: properties.test.ts sends
 * random requests to the real app.
 */

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
      fc.property(
        fc.option(anyString),
        fc.option(token),
        fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic'),
        (header, bearer, scheme) => {
          const headers: Record<string, string> = {};
          if (header !== null) headers['x-api-key'] = header;
          if (bearer !== null) headers.authorization = `${scheme} ${bearer}`;
          const presented = presentedKeyOf({ headers } as unknown as Request);
          if (header !== null && header.length > 0) expect(presented).toBe(header.trim());
          else if (bearer !== null && scheme !== 'Basic') expect(presented).toBe(bearer);
          else expect(presented).toBeNull();
        },
      ),
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

// Text bodies (line protocol) have their parser's own property tests (lineProtocolProperties.test.ts).
const bodyRoutes = routeTable.filter((route) => route.request.body && !hasTextBody(route));
const paramRoutes = routeTable.filter((route) => route.request.params);
const queryRoutes = routeTable.filter((route) => route.request.query);
const headerRoutes = routeTable.filter((route) => route.request.headers);

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

/** Made-up IDs for the routes' random bodies (test/support/routeExamples.ts). */
const madeUpIds: RandomIds = { bucketId: () => fc.constant(objectId()), sourceId: () => fc.constant(objectId()) };
const parsedOrText = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

describe('validators (pure)', () => {
  it.each(bodyRoutes.map((route) => [routeLabel(route), route] as const))(
    'body of %s: any JSON value is accepted or refused with VALIDATION_FAILED details under "body"',
    (_name, route) => {
      const randomBody = exampleFor(route).randomBody;
      if (!randomBody) throw new Error(`"${routeLabel(route)}" takes a body: give its entry in test/support/routeExamples.ts a randomBody`);
      const plausible = randomBody(madeUpIds).map(parsedOrText);
      fc.assert(
        fc.property(fc.oneof(anyJsonValue, plausible), (input) => {
          const error = outcomeOf('body', route.request.body!, input);
          if (error) expectValidationDetails(error, 'body');
        }),
        { numRuns: 120 },
      );
    },
  );

  it.each(paramRoutes.map((route) => [routeLabel(route), route] as const))(
    'params of %s: accepted exactly when every path ID is 24 hex characters, else INVALID_ID',
    (_name, route) => {
      const names = [...route.path.matchAll(/:(\w+)/g)].map((match) => match[1] as string);
      const id = fc.oneof(
        anyString,
        fc.stringMatching(/^[0-9a-fA-F]{22,26}$/),
        fc.constant(objectId()),
        fc.constant(objectId().toUpperCase()),
      );
      fc.assert(
        fc.property(fc.tuple(...names.map(() => id)), (values) => {
          const params = Object.fromEntries(names.map((name, i) => [name, values[i]]));
          const error = outcomeOf('params', route.request.params!, params);
          const allValid = values.every((value) => /^[0-9a-fA-F]{24}$/.test(value));
          if (allValid) {
            expect(error).toBeNull();
          } else {
            expect(error?.code).toBe('INVALID_ID');
            const invalid = names.filter((_name, i) => !/^[0-9a-fA-F]{24}$/.test(values[i]!));
            expect(invalid.map((name) => `Invalid ${pathParams[name]?.label} ID format`)).toContain(error?.message);
          }
        }),
        { numRuns: 120 },
      );
    },
  );

  it.each(queryRoutes.map((route) => [routeLabel(route), route] as const))(
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

  it.each(headerRoutes.map((route) => [routeLabel(route), route] as const))(
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
