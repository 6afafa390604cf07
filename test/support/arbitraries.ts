import fc from 'fast-check';
import { uniqueName } from './tenants';

/**
 * fast-check arbitraries shared by the property suites and by the random bodies of
 * test/support/routeExamples.ts. Most produce JSON *text* rather than values, so that they
 * can hold what JSON.stringify never writes: numbers beyond double range (1e400),
 * duplicate keys, own `__proto__` keys and `\u` escapes that JSON.parse decodes into
 * reserved names.
 */

// ---------------------------------------------------------------------------------------
// Keys and header values
// ---------------------------------------------------------------------------------------

export const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const wellFormedKey = /^dakkio_[awr]_[0-9A-Za-z]{40}$/;
export const keyTypes = ['admin', 'write', 'read'] as const;
export const typeByLetter = { a: 'admin', w: 'write', r: 'read' } as const;

/** Strings that are, or are one mistake away from, a well-formed key. */
export const nearKey: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('dakkio_a_', 'dakkio_w_', 'dakkio_r_', 'dakkio_x_', 'Dakkio_a_', 'dakkio_a', 'dakkio__', 'dakkioa_', ''),
    fc.stringMatching(/^[0-9A-Za-z]{38,42}$/),
    fc.constantFrom('', '', '', '\n', ' ', '_', '-', '\u0000', 'é'),
    fc.constantFrom('', '', '', ' ', '\t', '\n'),
  )
  .map(([prefix, secret, suffix, lead]) => lead + prefix + secret + suffix);

export const anyString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  nearKey,
  fc.stringMatching(wellFormedKey),
);

/** Header values Node's client accepts (it refuses anything else before sending). */
export const headerSafe = (value: string) => !/[^\t\x20-\x7e\x80-\xff]/.test(value);
export const latin1Char = fc
  .integer({ min: 0x20, max: 0xff })
  .filter((c) => c !== 0x7f)
  .map((c) => String.fromCharCode(c));

// ---------------------------------------------------------------------------------------
// Hostile JSON text
// ---------------------------------------------------------------------------------------

/** Names that are dangerous or meaningful as object keys somewhere between JSON.parse and MongoDB. */
export const weirdKeys = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '$gt',
  '$ne',
  '$where',
  '$set',
  '$expr',
  '$function',
  'a.b',
  '.',
  '',
  ' ',
  '\u0000',
  '$',
];
export const fieldNames = [
  'bucketId',
  'dataSourceId',
  'dataSourceIds',
  'name',
  'description',
  'retentionDays',
  'type',
  'schema',
  'downsampling',
  'status',
  'timestamp',
  'values',
  'metadata',
  'dataPoints',
  'filters',
  'startTime',
  'endTime',
  'limit',
  'offset',
  'order',
  'fields',
  'aggregation',
  'groupBy',
  'temperature',
  'label',
  'on',
  'unit',
];

/**
 * Raw JSON text is generated rather than objects, so that the bodies can hold what
 * JSON.stringify never writes: numbers beyond double range (1e400), duplicate keys, own
 * `__proto__` keys and `\u` escapes that JSON.parse decodes into reserved names.
 */
export const rawKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...weirdKeys, ...fieldNames).map((key) => JSON.stringify(key)),
  fc.string({ maxLength: 12 }).map((key) => JSON.stringify(key)),
  fc.constantFrom('"\\u005f_proto__"', '"__proto\\u005f_"', '"\\u0024gt"', '"constructo\\u0072"', '"\\u0000"', '"\\ud800"'),
);

export const isoTimes = [
  '2024-06-01T12:00:00Z',
  '2024-06-01T12:00:00.123+05:30',
  '2024-06-02T00:00:00.000Z',
  '1970-01-01T00:00:00Z',
  '1969-12-31T23:59:59Z',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59+23:59',
  '2024-02-30T00:00:00Z',
  '2024-01-01T24:00:00Z',
  '2024-01-01',
  '2999-01-01T00:00:00Z',
  'now',
  '',
];
export const rawScalar: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '1e400',
    '-1e400',
    '1e-400',
    '123456789012345678901234567890',
    '-0',
    '0.1',
    '1.7976931348623157e308',
    '5e-324',
    '0',
    '1',
    '3650',
    '3651',
    '-1',
    '1000',
    '1001',
    '10000',
    '10001',
    'true',
    'false',
    'null',
    '""',
    '"number"',
    '"string"',
    '"boolean"',
    '"sum"',
    '"count"',
    '"avg"',
    '"first"',
    '"last"',
    '"day"',
    '"month"',
    '"asc"',
    '"desc"',
    '"write"',
    '"read"',
    '"active"',
  ),
  fc.constantFrom(...isoTimes).map((time) => JSON.stringify(time)),
  fc.double().map((value) => (Number.isFinite(value) ? String(value) : '1e999')),
  fc.integer().map(String),
  fc.string({ maxLength: 20 }).map((value) => JSON.stringify(value)),
  fc.string({ unit: 'binary', maxLength: 20 }).map((value) => JSON.stringify(value)),
  fc.stringMatching(/^[0-9a-fA-F]{23,25}$/).map((value) => JSON.stringify(value)),
);

export const { json: rawJson } = fc.letrec<{ json: string; array: string; object: string }>((tie) => ({
  json: fc.oneof({ depthSize: 'small', withCrossShrink: true }, rawScalar, tie('array'), tie('object')),
  array: fc.array(tie('json'), { maxLength: 5 }).map((items) => `[${items.join(',')}]`),
  object: fc.array(fc.tuple(rawKey, tie('json')), { maxLength: 6 }).map((entries) => `{${entries.map(([k, v]) => `${k}:${v}`).join(',')}}`),
}));

/** A value nested 1-60 levels deep in arrays and objects (the reserved-key walk stops at 32). */
export const deeplyNested: fc.Arbitrary<string> = fc
  .tuple(fc.array(fc.constantFrom('[', '{"a":', '{"values":', '{"__proto__":', '{"$gt":'), { minLength: 1, maxLength: 60 }), rawScalar)
  .map(([openers, leaf]) => openers.reduceRight((inner, opener) => `${opener}${inner}${opener === '[' ? ']' : '}'}`, leaf));

// ---------------------------------------------------------------------------------------
// Bodies: a route's fields with valid values, then (sometimes) random changes
// ---------------------------------------------------------------------------------------

export const objectText = (entries: [string, string][]) => `{${entries.map(([k, v]) => `${k}:${v}`).join(',')}}`;

export interface Field {
  value: fc.Arbitrary<string>;
  optional: boolean;
}
export type Fields = Record<string, fc.Arbitrary<string> | Field>;
export const optional = (value: fc.Arbitrary<string>): Field => ({ value, optional: true });

/** One change that (usually) makes a valid body invalid: a field's value replaced, a field dropped, an entry added. */
export type Mutation =
  | { kind: 'replace'; at: number; value: string }
  | { kind: 'drop'; at: number }
  | { kind: 'add'; at: number; key: string; value: string };
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: fc.oneof(rawScalar, rawJson, deeplyNested) }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('add' as const), at: fc.nat(), key: rawKey, value: fc.oneof(rawScalar, rawJson, deeplyNested) }),
);

export function mutate(entries: [string, string][], change: Mutation): [string, string][] {
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
export function bodyFrom(fields: Fields, cleanWeight = 1): fc.Arbitrary<string> {
  const parts = Object.entries(fields).map(([name, field]) => {
    const { value, optional: isOptional } = field instanceof fc.Arbitrary ? { value: field, optional: false } : field;
    return (isOptional ? fc.option(value, { freq: 2 }) : value).map((text): [string, string][] =>
      text === null ? [] : [[JSON.stringify(name), text]],
    );
  });
  return fc
    .tuple(
      fc.tuple(...parts),
      fc.oneof(
        { weight: cleanWeight, arbitrary: fc.constant([]) },
        { weight: 1, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 2 }) },
      ),
    )
    .map(([picked, changes]) => objectText(changes.reduce(mutate, picked.flat())));
}

/** The same fields, every one of them optional (a PATCH body). */
export const allOptional = (fields: Fields): Fields =>
  Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, optional(field instanceof fc.Arbitrary ? field : field.value)]));

// ---------------------------------------------------------------------------------------
// Valid values, as JSON text
// ---------------------------------------------------------------------------------------

export const quoted = (value: string) => JSON.stringify(value);
export const uniqueNameText = (label: string) => fc.constant(null).map(() => quoted(uniqueName(label)));
export const printable = (maxLength: number) =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: names must not contain them, so generators avoid them
  fc.string({ minLength: 1, maxLength }).filter((v) => v.trim().length > 0 && !/[\u0000-\u001f\u007f-\u009f]/.test(v));

/** ISO times up to 2026-01-01 (all in the past), in Z or with an offset. */
export const timeText = fc
  .tuple(
    fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2026-01-01T00:00:00Z'), noInvalidDate: true }),
    fc.constantFrom(0, 0, 120, -330),
  )
  .map(([date, offsetMinutes]) => {
    if (offsetMinutes === 0) return quoted(date.toISOString());
    const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString().slice(0, -1);
    const sign = offsetMinutes < 0 ? '-' : '+';
    const abs = Math.abs(offsetMinutes);
    return quoted(`${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`);
  });
export const finiteText = fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => JSON.stringify(value));
export const scalarText = fc.oneof(finiteText, fc.string({ maxLength: 30 }).map(quoted), fc.boolean().map(String));
export const metadataText = fc
  .dictionary(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,10}$/), scalarText, { maxKeys: 4 })
  .map((entries) => objectText(Object.entries(entries).map(([k, v]) => [quoted(k), v])));
/** Values for a data source with schema { temperature: number, label: string, on: boolean }. */
export const valuesText = fc
  .record({ temperature: finiteText, label: fc.string({ maxLength: 40 }).map(quoted), on: fc.boolean().map(String) }, { requiredKeys: [] })
  .filter((fields) => Object.keys(fields).length > 0)
  .map((fields) => objectText(Object.entries(fields).map(([k, v]) => [quoted(k), v])));
export const fieldSchemaText = fc
  .dictionary(
    fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/),
    fc.constantFrom('"number"', '"string"', '"boolean"', '{"type":"number","unit":"C"}', '{"type":"string","description":"d"}'),
    { minKeys: 1, maxKeys: 4 },
  )
  .map((entries) => objectText(Object.entries(entries).map(([k, v]) => [quoted(k), v])));
export const aggregationText = fc.constantFrom('"avg"', '"min"', '"max"', '"sum"', '"count"', '"first"', '"last"');
export const intervalText = fc.constantFrom('"minute"', '"hour"', '"day"', '"week"', '"month"');
export const arrayText = (item: fc.Arbitrary<string>, minLength: number, maxLength: number) =>
  fc.array(item, { minLength, maxLength }).map((items) => `[${items.join(',')}]`);
