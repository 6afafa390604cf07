import { appendFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { Types } from 'mongoose';
import { z } from 'zod';
import type { Response } from 'supertest';
import { routeTable } from '../src/http/routeTable';
import type { Route } from '../src/http/route';
import { defaultScopes } from '../src/modules/keys/scopes';
import { errorEnvelopeProblems, serverErrorLines, storedCounts } from './support/assertions';
import {
  createExampleWorld,
  exampleFor,
  expectRegistryCoversRouteTable,
  fixtureFor,
  hasBody,
  paramsOf,
  pathFor,
  pathParams,
  placeholderFixture,
  routeExamples,
  speaksDakkio,
  routeId,
  routeLabel,
  takesIdempotencyKey,
  type ExampleWorld,
  type Fixture,
  type Json,
  type JsonObject,
  type RouteExample,
} from './support/routeExamples';
import { endAtFirstChunkOfStream } from './support/http';
import { useTestApp } from './support/testApp';

/**
 * Hostile input, table-driven over every route of the route table: broken and oversized
 * bodies, NoSQL operators and `$`/dotted keys, __proto__ & co., huge and deep JSON, odd
 * unicode, numbers as strings, duplicate and bracketed query parameters, traversal and bad
 * ObjectIds in the path, and header tricks with the key. Each case starts from a valid
 * example request for its route (api.md §1, §5, §6) and changes one thing.
 *
 * Every case asserts: the documented status (api.md §2) or a 2xx where the input is
 * legitimately fine; the error envelope `{ error, message, details?, requestId }` on a 4xx;
 * never a 5xx, and no "request failed" log line (the error handler writes one for every
 * 5xx); the database unchanged (counts of buckets, keys, data sources, points) when the
 * request was refused; Object.prototype unpolluted.
 */

const getApp = useTestApp({ RATE_LIMIT_PER_KEY: '10000000', RATE_LIMIT_PER_IP: '10000000' });

type Path = (string | number)[];
type Method = Route['method'];

// ---------------------------------------------------------------------------------------------
// JSON the way an attacker writes it: raw text JSON.stringify cannot produce, own __proto__ keys.

const rawTexts: string[] = [];
/** A placeholder (usable as a value or as a key) that serialize() replaces with `text`, verbatim. */
function raw(text: string): string {
  return `\u0000raw${rawTexts.push(text) - 1}\u0000`;
}
function serialize(value: Json): string {
  return JSON.stringify(value).replace(/"\\u0000raw(\d+)\\u0000"/g, (_match, index: string) => rawTexts[Number(index)]!);
}

/** Sets an own, enumerable property even for `__proto__`, so it is really in the JSON text. */
function setOwn(target: Record<string, Json> | Json[], key: string | number, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const clone = <T extends Json>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

function nodeAt(root: Json, path: Path): Json {
  return path.reduce<Json>((node, key) => (node as Record<string | number, Json>)[key] as Json, root);
}

/** A copy of `root` with the value at `path` replaced. */
function withValueAt(root: JsonObject, path: Path, value: Json): JsonObject {
  const copy = clone(root);
  const parent = nodeAt(copy, path.slice(0, -1)) as Record<string, Json>;
  setOwn(parent, path[path.length - 1]!, value);
  return copy;
}

/** A copy of `root` with `key: value` added to the object at `path`. */
function withKeyAt(root: JsonObject, path: Path, key: string, value: Json): JsonObject {
  const copy = clone(root);
  setOwn(nodeAt(copy, path) as Record<string, Json>, key, value);
  return copy;
}

function leavesOf(value: Json, path: Path = []): { path: Path; value: Json }[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => leavesOf(item, [...path, index]));
  if (isObject(value)) return Object.entries(value).flatMap(([key, item]) => leavesOf(item, [...path, key]));
  return [{ path, value }];
}

function objectPathsOf(value: Json, path: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => objectPathsOf(item, [...path, index]));
  if (!isObject(value)) return [];
  return [path, ...Object.entries(value).flatMap(([key, item]) => objectPathsOf(item, [...path, key]))];
}

const dotted = (path: Path) => path.join('.');
const isPrefix = (prefix: Path, path: Path) => prefix.length <= path.length && prefix.every((part, i) => path[i] === part);

const pollutionMarker = 'hostilePolluted';
const deepObject = raw(`${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}`);
const deepArray = raw(`${'['.repeat(1000)}${']'.repeat(1000)}`);
const tenThousand = 'x'.repeat(10_000);
const oneMegPlus = 'x'.repeat(Math.ceil(1.1 * 1024 * 1024));
const gzipBomb = gzipSync(Buffer.from(`{"padding":"${'0'.repeat(5 * 1024 * 1024)}"}`));

// ---------------------------------------------------------------------------------------------
// The world every case runs in; each case starts from its route's example in
// test/support/routeExamples.ts.

let world: ExampleWorld;
const app = () => getApp();
const zeroId = '0'.repeat(24);

/** The route's example; an empty one for a route missing from the registry (the registry test fails for it). */
const exampleOf = (route: Route): RouteExample => routeExamples[routeId(route)] ?? {};

/** Prepared fixtures per route, reused until a request on the route succeeds (and may have consumed them). */
const prepared = new Map<string, Partial<Fixture>>();

const isKeyRoute = (route: Route) => route.access.kind === 'key';
const bucketInBody = (route: Route) => route.access.kind === 'key' && route.access.bucket?.from === 'body';

/** A write key where a write key may use the route, else the admin key. */
function keyFor(route: Route): string {
  const { access } = route;
  if (access.kind === 'key' && access.bucket && access.scope !== null && defaultScopes.write.includes(access.scope))
    return world.tenant.writeKey;
  return world.tenant.adminKey;
}

interface Ctx {
  route: Route;
  key: string;
  /** The example's path with its params filled in; `pathWith` swaps one param for another text. */
  path: string;
  pathWith: (param: string, text: string) => string;
  body?: JsonObject;
}

async function contextFor(route: Route): Promise<Ctx> {
  const example = exampleFor(route);
  const id = routeId(route);
  if (example.prepare && !prepared.has(id)) prepared.set(id, await example.prepare(world));
  const fixture: Fixture = fixtureFor(world, prepared.get(id));
  const pathWith = (param: string, text: string) => pathFor(route, fixture, { param, text });
  return { route, key: keyFor(route), path: pathFor(route, fixture), pathWith, body: example.body?.(fixture) };
}

// ---------------------------------------------------------------------------------------------
// Requests, expectations and the checks every case runs.

interface Outgoing {
  method?: Method;
  path?: string;
  /** Replaces the default X-API-Key header. */
  auth?: [string, string | string[]][];
  headers?: [string, string | string[]][];
  /** Raw body text or bytes; default: the example body, if any. `null`: no body. */
  body?: string | Buffer | null;
  /** Default application/json when there is a body; `null`: none. */
  contentType?: string | null;
}

type Expectation =
  | { kind: 'success' }
  /** `at`: the details must point there (or at a containing or contained path). `exact`: the body is exactly { error, message, requestId }. */
  | { kind: 'error'; status: number; message?: string; at?: Path; exact?: boolean }
  | { kind: 'oneOf'; statuses: (number | 'success')[] };

interface HostileCase {
  name: string;
  build: (c: Ctx) => Outgoing;
  expect: Expectation | ((c: Ctx) => Expectation);
  /** Extra per-case check; return a problem description or nothing. */
  also?: (res: Response, seen: { bcryptCompares: number }) => string | undefined;
}

const success: Expectation = { kind: 'success' };
const invalid = (at?: Path): Expectation => ({ kind: 'error', status: 400, at });
const unauthorized: Expectation = { kind: 'error', status: 401, message: 'Invalid or missing API key', exact: true };
const invalidBucketId: Expectation = { kind: 'error', status: 400, message: 'Invalid bucket ID format', exact: true };
const fineOr400: Expectation = { kind: 'oneOf', statuses: ['success', 400] };

function send(c: Ctx, out: Outgoing) {
  const method = out.method ?? c.route.method;
  let req = app().http[method](out.path ?? c.path);
  if (c.route.response.mediaType === 'text/event-stream') req = endAtFirstChunkOfStream(req);
  for (const [name, value] of out.auth ?? (isKeyRoute(c.route) ? [['X-API-Key', c.key] as [string, string]] : [])) {
    req = req.set(name, value as string);
  }
  for (const [name, value] of out.headers ?? []) req = req.set(name, value as string);
  const body = out.body === undefined ? (c.body ? serialize(c.body) : undefined) : out.body;
  if (body !== undefined && body !== null) {
    const contentType = out.contentType === undefined ? 'application/json' : out.contentType;
    if (contentType !== null) req = req.set('Content-Type', contentType);
    // superagent would JSON-encode a Buffer sent as application/json: send the bytes as they are.
    if (Buffer.isBuffer(body)) req = req.serialize((bytes: unknown) => bytes as string);
    req = req.send(body);
  }
  return req;
}

const statusTally = new Map<number, number>();
let casesRun = 0;

function problemsWith(res: Response, expected: Expectation, route: Route): string[] {
  const problems: string[] = [];
  const body = res.body as Record<string, unknown>;
  if (res.status >= 500) problems.push(`answered ${res.status}`);
  const successStatus = route.response.status;
  switch (expected.kind) {
    case 'success':
      if (res.status !== successStatus) problems.push(`expected ${successStatus}, got ${res.status}`);
      else if (route.response.mediaType === 'text/event-stream') {
        if (res.headers['content-type'] !== 'text/event-stream; charset=utf-8') problems.push('success is not an event stream');
      } else {
        const parsed = route.response.schema.safeParse(route.response.mediaType === 'text/plain' ? res.text : res.body);
        if (!parsed.success) problems.push(`success body does not match the route's response schema: ${parsed.error.message}`);
      }
      break;
    case 'oneOf': {
      const allowed = expected.statuses.map((status) => (status === 'success' ? successStatus : status));
      if (!allowed.includes(res.status)) problems.push(`expected one of ${allowed.join(', ')}, got ${res.status}`);
      break;
    }
    case 'error':
      if (res.status !== expected.status) problems.push(`expected ${expected.status}, got ${res.status}`);
      if (expected.message !== undefined && body.message !== expected.message) {
        problems.push(`expected message ${JSON.stringify(expected.message)}, got ${JSON.stringify(body.message)}`);
      }
      if (expected.exact && res.status === expected.status) {
        const keys = Object.keys(body).sort().join(',');
        if (keys !== 'error,message,requestId') problems.push(`expected exactly error, message, requestId; got ${keys}`);
      }
      if (expected.at && res.status === 400) {
        const details = body.details;
        if (!Array.isArray(details) || details.length === 0) problems.push(`expected details pointing at ${JSON.stringify(expected.at)}`);
        else {
          const at = expected.at;
          const related = (path: Path) => path.length >= 2 && (isPrefix(path, at) || isPrefix(at, path));
          const paths = (details as { path: Path }[]).map((detail) => detail.path);
          if (!paths.some(related)) problems.push(`no detail points at ${JSON.stringify(at)}: ${JSON.stringify(paths)}`);
          const unrelated = paths.filter((path) => !related(path));
          if (unrelated.length > 0)
            problems.push(`details about untouched fields ${JSON.stringify(unrelated)} (changed ${JSON.stringify(at)})`);
        }
      }
      break;
  }
  // The envelope of api.md §2.
  if (res.status >= 400) problems.push(...errorEnvelopeProblems(res));
  return problems;
}

async function runCase(route: Route, hostile: HostileCase): Promise<void> {
  const c = await contextFor(route);
  const out = hostile.build(c);
  const expected = typeof hostile.expect === 'function' ? hostile.expect(c) : hostile.expect;
  const testApp = app();
  const logMark = testApp.logs.length;
  const comparesBefore = testApp.bcryptCompares();
  const before = await storedCounts();

  const res = await send(c, out);

  casesRun += 1;
  statusTally.set(res.status, (statusTally.get(res.status) ?? 0) + 1);
  if (process.env.HOSTILE_TRACE) {
    appendFileSync(
      process.env.HOSTILE_TRACE,
      `${routeId(route)} | ${hostile.name} | ${res.status} ${JSON.stringify(res.body).slice(0, 300)}\n`,
    );
  }
  if (res.status >= 200 && res.status < 300) prepared.delete(routeId(route));

  const problems = problemsWith(res, expected, route);
  const failures = serverErrorLines(testApp, logMark);
  if (failures.length > 0) problems.push(`the app logged "request failed": ${failures.join(' | ').slice(0, 600)}`);
  if (res.status >= 400) {
    // Any (wrong) write would have been awaited before the response; give stray async writes a tick anyway.
    await new Promise((resolve) => setImmediate(resolve));
    const after = await storedCounts();
    if (JSON.stringify(after) !== JSON.stringify(before)) {
      problems.push(`refused, yet the database changed: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
    }
  }
  if (Object.hasOwn(Object.prototype, pollutionMarker) || ({} as Record<string, unknown>)[pollutionMarker] !== undefined) {
    problems.push('Object.prototype was polluted');
  }
  const extra = hostile.also?.(res, { bcryptCompares: testApp.bcryptCompares() - comparesBefore });
  if (extra) problems.push(extra);

  if (problems.length > 0) {
    const shownBody = JSON.stringify(res.body ?? res.text).slice(0, 800);
    throw new Error(`${problems.join('\n')}\nstatus ${res.status}, body ${shownBody}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The cases, derived from each route's declaration and example.

/** Cases about the body as a whole: parsing, media type, size. */
function wholeBodyCases(route: Route): HostileCase[] {
  if (!hasBody(route) || !isKeyRoute(route)) return [];
  const validText = (c: Ctx) => serialize(c.body ?? {});
  return [
    { name: 'malformed JSON (truncated) → 400', build: () => ({ body: '{"name": "x",' }), expect: invalid() },
    { name: 'malformed JSON (NaN literal) → 400', build: () => ({ body: '{"value": NaN}' }), expect: invalid() },
    { name: 'malformed JSON (single quotes, comment) → 400', build: () => ({ body: "{'a': 1 /* x */}" }), expect: invalid() },
    { name: 'top-level null → 400', build: () => ({ body: 'null' }), expect: invalid() },
    { name: 'top-level string → 400', build: () => ({ body: '"$where"' }), expect: invalid() },
    { name: 'top-level array holding the valid body → 400', build: (c) => ({ body: `[${validText(c)}]` }), expect: invalid() },
    { name: 'the whole body nested 1000 arrays deep → 400', build: () => ({ body: serialize(deepArray) }), expect: invalid() },
    {
      name: 'Content-Type text/plain with a JSON body → 415',
      build: (c) => ({ body: validText(c), contentType: 'text/plain' }),
      expect: { kind: 'error', status: 415 },
    },
    {
      name: 'Content-Type application/x-www-form-urlencoded → 415',
      build: () => ({ body: 'name=x&bucketId[$ne]=1', contentType: 'application/x-www-form-urlencoded' }),
      expect: { kind: 'error', status: 415 },
    },
    {
      name: 'no Content-Type at all → 415',
      build: (c) => ({ body: Buffer.from(validText(c)), contentType: null }),
      expect: { kind: 'error', status: 415 },
    },
    {
      name: 'Content-Type application/json; charset=latin1 → 415',
      build: (c) => ({ body: validText(c), contentType: 'application/json; charset=latin1' }),
      expect: { kind: 'error', status: 415 },
    },
    {
      name: 'Content-Type application/json; charset=utf-16 on UTF-8 bytes → 400 or 415',
      build: (c) => ({ body: validText(c), contentType: 'application/json; charset=utf-16' }),
      expect: { kind: 'oneOf', statuses: [400, 415] },
    },
    {
      name: 'Content-Encoding: gzip on a body that is not gzip → 400',
      build: (c) => ({ body: validText(c), headers: [['Content-Encoding', 'gzip']] }),
      expect: invalid(),
    },
    {
      name: 'Content-Encoding: compress (unsupported) → 415',
      build: (c) => ({ body: validText(c), headers: [['Content-Encoding', 'compress']] }),
      expect: { kind: 'error', status: 415 },
    },
    {
      name: 'a gzip-compressed valid body → 2xx',
      build: (c) => ({ body: gzipSync(Buffer.from(validText(c))), headers: [['Content-Encoding', 'gzip']] }),
      expect: success,
    },
    {
      name: 'a gzip bomb (5 kB inflating to 5 MB) → 413',
      build: () => ({ body: gzipBomb, headers: [['Content-Encoding', 'gzip']] }),
      expect: { kind: 'error', status: 413 },
    },
    {
      name: 'a body over 1 MB (valid JSON, padded) → 413',
      build: (c) => ({ body: serialize({ ...(c.body ?? {}), padding: oneMegPlus }) }),
      expect: { kind: 'error', status: 413 },
    },
    {
      name: 'a body over 1 MB that is also malformed → 413',
      build: () => ({ body: `{"padding": "${oneMegPlus}` }),
      expect: { kind: 'error', status: 413 },
    },
    {
      name: 'a +json vendor Content-Type (application/merge-patch+json) is JSON → 2xx',
      build: (c) => ({ body: validText(c), contentType: 'application/merge-patch+json' }),
      expect: success,
    },
  ];
}

const isMetadataLeaf = (path: Path) => path.includes('metadata');
const isFreeText = (route: Route, path: Path) => (exampleOf(route).freeText ?? []).includes(dotted(path));

/** Cases that replace one field of the example body. */
function fieldCases(route: Route): HostileCase[] {
  const example = exampleOf(route);
  if (!hasBody(route) || !isKeyRoute(route) || !example.body) return [];
  const shape = example.body(placeholderFixture);
  const cases: HostileCase[] = [];

  for (const leaf of leavesOf(shape)) {
    const { path } = leaf;
    const name = dotted(path);
    const where = (what: string) => `${name}: ${what}`;
    const rejected = (): Expectation => (bucketInBody(route) && name === 'bucketId' ? invalidBucketId : invalid(['body', ...path]));
    const replace = (what: string, value: Json | ((current: Json) => Json), expect: () => Expectation = rejected): HostileCase => ({
      name: where(what),
      build: (c) => ({ body: serialize(withValueAt(c.body!, path, typeof value === 'function' ? value(nodeAt(c.body!, path)) : value)) }),
      expect,
    });

    cases.push(
      replace('{"$gt": ""} in its place → 400', { $gt: '' }),
      replace('{"$where": "sleep(5000) || true"} in its place → 400', { $where: 'sleep(5000) || true' }),
      replace('{"$regex": ".*"} in its place → 400', { $regex: '.*' }),
      replace('{"$ne": null} in its place → 400', { $ne: null }),
      replace('a 10,000-character string → 400', tenThousand),
      replace('JSON nested 1000 objects deep → 400', deepObject),
      replace('null → 400', null),
      replace('wrapped in an array → 400', (current) => [current]),
    );
    if (typeof leaf.value === 'number') {
      cases.push(
        replace('the number as a string → 400', (current) => String(current)),
        replace('1e400 (parses to Infinity) → 400', raw('1e400')),
        replace('-1e400 → 400', raw('-1e400')),
      );
    }
    if (typeof leaf.value === 'boolean') cases.push(replace('the boolean as a string → 400', (current) => String(current)));
    if (typeof leaf.value === 'string') {
      const text = isFreeText(route, path);
      // Metadata values may be numbers (api.md §6); everywhere else a number is the wrong type.
      cases.push(
        replace(`a number instead of the string → ${isMetadataLeaf(path) ? '2xx' : '400'}`, 12345, () =>
          isMetadataLeaf(path) ? success : rejected(),
        ),
      );
      for (const suffix of ['$where', '.$[]', '{"$gt": ""}']) {
        cases.push(
          replace(
            `${JSON.stringify(suffix)} appended → ${text ? '2xx (free text)' : '400'}`,
            (current) => `${String(current)} ${suffix}`,
            () => (text ? success : rejected()),
          ),
        );
      }
      if (text) cases.push(...unicodeCases(path));
    }
  }
  return cases;
}

/** Odd characters inside free-text fields. Control characters are refused in names; anything else is 2xx or 400, never 500. */
function unicodeCases(path: Path): HostileCase[] {
  const isName = path[path.length - 1] === 'name';
  const variants: [string, string, boolean][] = [
    ['NUL', '\u0000', true],
    ['CR LF', '\r\n', true],
    ['an ANSI escape', '\u001b[2J', true],
    ['a C1 control (NEL)', '\u0085', true],
    ['the RTL override U+202E', '\u202egnp.exe', false],
    ['emoji', '🌡️🔥👩‍👩‍👧', false],
    ['zero-width characters', '\u200b\u200d\ufeff', false],
    ['a lone surrogate', '\ud800', false],
    ['U+2028 line separator', '\u2028', false],
    ['30 combining accents', `e${'\u0301'.repeat(30)}`, false],
    ['full-width and homoglyph letters', 'ｇｒｅｅｎ hоuse', false],
  ];
  return variants.map(([label, text, control]) => ({
    name: `${dotted(path)}: ${label} inside → ${isName && control ? '400' : '2xx or 400'}`,
    build: (c: Ctx) => ({
      body: serialize(
        withValueAt(
          c.body!,
          path,
          ((current: string) => `${current.slice(0, 1)}${text}${current.slice(1)}`)(String(nodeAt(c.body!, path))),
        ),
      ),
    }),
    expect: isName && control ? invalid(['body', ...path]) : fineOr400,
  }));
}

const recordKind = (path: Path) => {
  const last = path[path.length - 1];
  return last === 'values' || last === 'metadata' || last === 'schema' ? last : 'object';
};

/** Cases that add a key to one object of the body: operators, dotted and reserved names, size. */
function keyCases(route: Route): HostileCase[] {
  const example = exampleOf(route);
  if (!hasBody(route) || !isKeyRoute(route) || !example.body) return [];
  const shape = example.body(placeholderFixture);
  const cases: HostileCase[] = [];

  for (const objectPath of objectPathsOf(shape)) {
    const kind = recordKind(objectPath);
    // A value that would be fine under a good key, so only the key is wrong.
    const fineValue: Json = kind === 'values' ? 1 : kind === 'schema' ? 'number' : 'x';
    const label = objectPath.length === 0 ? 'top level' : dotted(objectPath);
    const add = (what: string, key: string, value: Json, reportedKey = key): HostileCase => ({
      name: `${label}: ${what} → 400`,
      build: (c) => ({ body: serialize(withKeyAt(c.body!, objectPath, key, value)) }),
      expect: invalid(['body', ...objectPath, reportedKey]),
    });
    cases.push(
      add('key "$where"', '$where', kind === 'object' ? 'sleep(5000) || true' : fineValue),
      add('key "$gt"', '$gt', fineValue),
      add('key "$set"', '$set', kind === 'object' ? { organizationId: zeroId } : fineValue),
      add('dotted key "a.b"', 'a.b', fineValue),
      add('dotted key "values.$"', 'values.$', fineValue),
      add('empty key ""', '', fineValue),
      add('key containing NUL', 'te\u0000mp', fineValue),
      add('non-ASCII key "ключ"', 'ключ', fineValue),
      add('raw "__proto__" key', '__proto__', { [pollutionMarker]: true, retentionDays: 1, type: 'admin' }),
      add('raw "constructor" key with a prototype inside', 'constructor', { prototype: { [pollutionMarker]: true } }),
      add('raw "prototype" key', 'prototype', { [pollutionMarker]: true }),
      add('"__proto__" spelled with \\u escapes', raw('"\\u005f\\u005fproto\\u005f\\u005f"'), { [pollutionMarker]: true }, '__proto__'),
    );

    const fill = (count: number, make: (i: number) => [string, Json]) => (c: Ctx) => {
      const body = clone(c.body!);
      const target = nodeAt(body, objectPath) as Record<string, Json>;
      for (let i = 0; i < count; i += 1) {
        const [key, value] = make(i);
        setOwn(target, key, value);
      }
      return { body: serialize(body) };
    };
    if (kind === 'metadata') {
      const existing = Object.keys(nodeAt(shape, objectPath) as object).length;
      cases.push(
        { name: `${label}: 33 keys → 400`, build: fill(33 - existing, (i) => [`k${i}`, i]), expect: invalid(['body', ...objectPath]) },
        { name: `${label}: 32 keys (the limit) → 2xx`, build: fill(32 - existing, (i) => [`k${i}`, i]), expect: success },
        { name: `${label}: 500 keys → 400`, build: fill(500, (i) => [`k${i}`, `v${i}`]), expect: invalid(['body', ...objectPath]) },
        {
          name: `${label}: a nested object value → 400`,
          build: fill(1, () => ['nested', { deeper: { site: 'x' } }]),
          expect: invalid(['body', ...objectPath, 'nested']),
        },
        {
          name: `${label}: a value nested 1000 deep → 400`,
          build: fill(1, () => ['deep', deepObject]),
          expect: invalid(['body', ...objectPath, 'deep']),
        },
        {
          name: `${label}: an array value → 400`,
          build: fill(1, () => ['list', ['a', 'b']]),
          expect: invalid(['body', ...objectPath, 'list']),
        },
        {
          name: `${label}: a 10,000-character key → 400`,
          build: fill(1, () => [tenThousand, 'x']),
          expect: invalid(['body', ...objectPath]),
        },
        {
          name: `${label}: a 10,000-character value → 400`,
          build: fill(1, () => ['long', tenThousand]),
          expect: invalid(['body', ...objectPath, 'long']),
        },
      );
    }
    if (kind === 'schema') {
      cases.push({
        name: `${label}: 101 fields → 400`,
        build: fill(101, (i) => [`f${i}`, 'number']),
        expect: invalid(['body', ...objectPath]),
      });
    }
    if (kind === 'values') {
      cases.push({
        name: `${label}: 33 undeclared fields → 400`,
        build: fill(33, (i) => [`u${i}`, i]),
        expect: invalid(['body', ...objectPath]),
      });
    }
  }
  return cases;
}

/** Bad IDs and traversal in each path parameter. */
function pathCases(route: Route): HostileCase[] {
  const hex = 'a1b2c3d4e5f6a1b2c3d4e5f6';
  const variants: [string, string, 'invalid' | 'invalidOr404' | 'any400'][] = [
    ['encoded traversal ..%2F..%2Fetc%2Fpasswd', '..%2F..%2Fetc%2Fpasswd', 'invalid'],
    ['literal ..', '..', 'invalidOr404'],
    ['%00', '%00', 'invalid'],
    ['an ObjectId followed by %00', `${hex}%00`, 'invalid'],
    ['an ObjectId followed by an encoded newline', `${hex}%0A`, 'invalid'],
    ['an ObjectId followed by an encoded space', `${hex}%20`, 'invalid'],
    ['25 hex characters', `${hex}a`, 'invalid'],
    ['23 hex characters', hex.slice(1), 'invalid'],
    ['$gt', '$gt', 'invalid'],
    ['%24gt', '%24gt', 'invalid'],
    ['an encoded {"$gt":""}', encodeURIComponent('{"$gt":""}'), 'invalid'],
    ['an encoded [$ne]', encodeURIComponent('[$ne]'), 'invalid'],
    ['24 full-width hex digits', encodeURIComponent('ａ１ｂ２ｃ３ｄ４ｅ５ｆ６ａ１ｂ２ｃ３ｄ４ｅ５ｆ６'), 'invalid'],
    ['10,000 characters', 'a'.repeat(10_000), 'invalid'],
    ['malformed percent-encoding %E0%A4%A', '%E0%A4%A', 'any400'],
    ['a lone %', '%', 'any400'],
  ];
  return paramsOf(route).flatMap((param) =>
    variants.map(([label, text, kind]): HostileCase => {
      const message = `Invalid ${pathParams[param]?.label ?? param} ID format`;
      const expected: Expectation =
        kind === 'invalid'
          ? { kind: 'error', status: 400, message, exact: true }
          : kind === 'any400'
            ? invalid()
            : { kind: 'oneOf', statuses: [400, 404] };
      return {
        name: `:${param} = ${label} → ${kind === 'invalid' ? `400 "${message}"` : kind === 'any400' ? '400' : '400 or 404'}`,
        build: (c) => ({ path: c.pathWith(param, text) }),
        expect: expected,
        also: (res) =>
          kind === 'invalid' && res.status === 400 && res.body.message !== message ? `expected message ${message}` : undefined,
      };
    }),
  );
}

/** Duplicate, bracketed and operator query parameters on GET routes. */
function queryCases(route: Route): HostileCase[] {
  if (route.method !== 'get') return [];
  const declared = route.request.query !== undefined;
  const rejectedAt = (param: string): Expectation => (declared ? invalid(['query', param]) : success);
  const query = route.request.query;
  const pages = query instanceof z.ZodObject && 'limit' in query.shape;
  const pagingFine = pages || !declared ? success : invalid(['query', 'limit']);
  const cases: [string, string, Expectation][] = [
    ['limit=1&limit=2', 'limit=1&limit=2', rejectedAt('limit')],
    ['limit=10&limit=10', 'limit=10&limit=10', rejectedAt('limit')],
    ['limit[]=1', 'limit[]=1', rejectedAt('limit[]')],
    ['limit[$gt]=1', 'limit[$gt]=1', rejectedAt('limit[$gt]')],
    ['offset[$ne]=0', 'offset[$ne]=0', rejectedAt('offset[$ne]')],
    ['limit=%00', 'limit=%00', rejectedAt('limit')],
    ['limit={"$gt":0} (encoded)', `limit=${encodeURIComponent('{"$gt":0}')}`, rejectedAt('limit')],
    ['limit=1%26offset%3D-1 (an encoded & inside the value)', 'limit=1%26offset%3D-1', rejectedAt('limit')],
    ['limit of 5,000 nines', `limit=${'9'.repeat(5000)}`, rejectedAt('limit')],
    ['limit=%E0%A4%A (malformed percent-encoding)', 'limit=%E0%A4%A', rejectedAt('limit')],
    ['%24where=sleep(1000)', '%24where=sleep(1000)', rejectedAt('$where')],
    ['__proto__=1', '__proto__=1', rejectedAt('__proto__')],
    ['__proto__[hostilePolluted]=1', `__proto__[${pollutionMarker}]=1`, rejectedAt(`__proto__[${pollutionMarker}]`)],
    [
      'constructor[prototype][hostilePolluted]=1',
      `constructor[prototype][${pollutionMarker}]=1`,
      rejectedAt(`constructor[prototype][${pollutionMarker}]`),
    ],
    // Query strings are text: a number written in one is what every client sends.
    ['limit=10 (a number as query text) is fine where paging is', 'limit=10', pagingFine],
    ['limit=10&offset=0 is fine where paging is', 'limit=10&offset=0', pages || !declared ? success : { kind: 'oneOf', statuses: [400] }],
  ];
  return cases.map(([label, query, expected]) => ({
    name: `?${label} → ${expected.kind === 'success' ? '2xx' : '400'}`,
    build: (c) => ({ path: `${c.path}?${query}` }),
    expect: expected,
  }));
}

const upperKey = (key: string) => key.toUpperCase();
const otherTypeKey = (key: string) => key.replace(/^dakkio_([awr])_/, (_m, letter: string) => `dakkio_${letter === 'r' ? 'w' : 'r'}_`);

/** Tricks with the key headers. */
function headerCases(route: Route): HostileCase[] {
  const noBcrypt = (_res: Response, seen: { bcryptCompares: number }) =>
    seen.bcryptCompares > 0 ? `a bcrypt compare ran for a key that cannot be one (${seen.bcryptCompares})` : undefined;
  if (!isKeyRoute(route)) {
    // Public routes do not read keys: whatever is sent is ignored.
    return [
      {
        name: 'a 10 kB X-API-Key on a public route is ignored → 200',
        build: () => ({ auth: [['X-API-Key', `dakkio_a_${'A'.repeat(10_000)}`]] }),
        expect: success,
      },
      {
        name: 'two X-API-Key headers on a public route are ignored → 200',
        build: () => ({ auth: [['X-API-Key', ['a', 'b']]] }),
        expect: success,
      },
      {
        name: 'X-API-Key {"$gt":""} on a public route is ignored → 200',
        build: () => ({ auth: [['X-API-Key', '{"$gt":""}']] }),
        expect: success,
      },
    ];
  }
  const adminKey = () => world.tenant.adminKey;
  return [
    {
      name: 'two X-API-Key headers, the same valid key twice → 401',
      build: (c) => ({ auth: [['X-API-Key', [c.key, c.key]]] }),
      expect: unauthorized,
    },
    {
      name: 'two X-API-Key headers, two different valid keys → 401',
      build: (c) => ({ auth: [['X-API-Key', [c.key, adminKey()]]] }),
      expect: unauthorized,
    },
    {
      name: 'two X-API-Key headers, valid then bogus → 401',
      build: (c) => ({ auth: [['X-API-Key', [c.key, 'dakkio_a_bogus']]] }),
      expect: unauthorized,
    },
    {
      name: 'the key with trailing spaces → 2xx or 401',
      build: (c) => ({ auth: [['X-API-Key', `${c.key}   `]] }),
      expect: { kind: 'oneOf', statuses: ['success', 401] },
    },
    {
      name: 'the key with leading spaces and a tab → 2xx or 401',
      build: (c) => ({ auth: [['X-API-Key', `  \t${c.key}`]] }),
      expect: { kind: 'oneOf', statuses: ['success', 401] },
    },
    {
      name: 'a 10 kB X-API-Key → 401, no bcrypt work',
      build: () => ({ auth: [['X-API-Key', `dakkio_a_${'A'.repeat(10_000)}`]] }),
      expect: unauthorized,
      also: noBcrypt,
    },
    {
      name: 'a 10 kB Bearer token → 401, no bcrypt work',
      build: () => ({ auth: [['Authorization', `Bearer dakkio_a_${'A'.repeat(10_000)}`]] }),
      expect: unauthorized,
      also: noBcrypt,
    },
    {
      name: 'Authorization: Bearer with two keys (space-separated) → 401',
      build: (c) => ({ auth: [['Authorization', `Bearer ${c.key} ${c.key}`]] }),
      expect: unauthorized,
    },
    {
      name: 'Authorization: Bearer with two keys (comma-separated) → 401',
      build: (c) => ({ auth: [['Authorization', `Bearer ${c.key},${adminKey()}`]] }),
      expect: unauthorized,
    },
    {
      name: 'two Authorization headers, valid then bogus → 2xx or 401',
      build: (c) => ({ auth: [['Authorization', [`Bearer ${c.key}`, 'Bearer dakkio_a_bogus']]] }),
      expect: { kind: 'oneOf', statuses: ['success', 401] },
    },
    {
      name: 'two Authorization headers, bogus then valid → 2xx or 401',
      build: (c) => ({ auth: [['Authorization', ['Bearer dakkio_a_bogus', `Bearer ${c.key}`]]] }),
      expect: { kind: 'oneOf', statuses: ['success', 401] },
    },
    { name: 'header name in lower case (x-api-key) → 2xx', build: (c) => ({ auth: [['x-api-key', c.key]] }), expect: success },
    { name: 'header name in upper case (X-API-KEY) → 2xx', build: (c) => ({ auth: [['X-API-KEY', c.key]] }), expect: success },
    {
      name: 'AUTHORIZATION: BEARER <key> (upper-case scheme) → 2xx',
      build: (c) => ({ auth: [['AUTHORIZATION', `BEARER ${c.key}`]] }),
      expect: success,
    },
    {
      name: 'authorization: bearer <key> (lower case) → 2xx',
      build: (c) => ({ auth: [['authorization', `bearer ${c.key}`]] }),
      expect: success,
    },
    {
      name: 'an empty X-API-Key beside a valid Bearer → 2xx or 401',
      build: (c) => ({
        auth: [
          ['X-API-Key', ''],
          ['Authorization', `Bearer ${c.key}`],
        ],
      }),
      expect: { kind: 'oneOf', statuses: ['success', 401] },
    },
    {
      name: 'a bogus X-API-Key beside a valid Bearer → 2xx or 401',
      build: (c) => ({
        auth: [
          ['X-API-Key', 'dakkio_a_bogus'],
          ['Authorization', `Bearer ${c.key}`],
        ],
      }),
      expect: { kind: 'oneOf', statuses: ['success', 401] },
    },
    {
      name: 'Authorization: Basic with the key → 401',
      build: (c) => ({ auth: [['Authorization', `Basic ${Buffer.from(`${c.key}:`).toString('base64')}`]] }),
      expect: unauthorized,
    },
    { name: 'Authorization: Bearer with no token → 401', build: () => ({ auth: [['Authorization', 'Bearer ']] }), expect: unauthorized },
    { name: 'the key upper-cased → 401', build: (c) => ({ auth: [['X-API-Key', upperKey(c.key)]] }), expect: unauthorized },
    {
      name: 'the key missing its last character → 401',
      build: (c) => ({ auth: [['X-API-Key', c.key.slice(0, -1)]] }),
      expect: unauthorized,
    },
    { name: 'the key with one character more → 401', build: (c) => ({ auth: [['X-API-Key', `${c.key}A`]] }), expect: unauthorized },
    {
      name: 'the key with another type prefix → 401',
      build: (c) => ({ auth: [['X-API-Key', otherTypeKey(c.key)]] }),
      expect: unauthorized,
    },
    { name: 'X-API-Key {"$gt":""} → 401', build: () => ({ auth: [['X-API-Key', '{"$gt":""}']] }), expect: unauthorized },
    {
      name: 'X-API-Key as a regex (dakkio_a_.{40}) → 401',
      build: () => ({ auth: [['X-API-Key', `dakkio_a_${'.'.repeat(40)}`]] }),
      expect: unauthorized,
    },
    {
      name: 'X-API-Key with Latin-1 characters → 401',
      build: () => ({ auth: [['X-API-Key', `dakkio_a_${'é'.repeat(40)}`]] }),
      expect: unauthorized,
    },
  ];
}

/** Hostile Idempotency-Key headers where a route takes one. */
function idempotencyCases(route: Route): HostileCase[] {
  if (!takesIdempotencyKey(route)) return [];
  const at: Path = ['headers', 'idempotency-key'];
  return [
    {
      name: 'Idempotency-Key of 256 characters → 400',
      build: () => ({ headers: [['Idempotency-Key', 'k'.repeat(256)]] }),
      expect: invalid(at),
    },
    { name: 'two Idempotency-Key headers → 400', build: () => ({ headers: [['Idempotency-Key', ['one', 'two']]] }), expect: invalid(at) },
    {
      name: 'Idempotency-Key with Latin-1 characters → 400',
      build: () => ({ headers: [['Idempotency-Key', 'clé-é']] }),
      expect: invalid(at),
    },
    { name: 'Idempotency-Key with a space → 400', build: () => ({ headers: [['Idempotency-Key', 'a b']] }), expect: invalid(at) },
    {
      name: 'Idempotency-Key that looks like an operator ({"$gt":"…"}) is just text → 2xx',
      build: () => ({ headers: [['Idempotency-Key', `{"$gt":"${new Types.ObjectId().toHexString()}"}`]] }),
      expect: success,
    },
  ];
}

/** A hostile body on a route that takes none is never parsed. */
function ignoredBodyCases(route: Route): HostileCase[] {
  if (hasBody(route)) return [];
  return [
    { name: 'malformed JSON body on a route that takes no body is ignored → 2xx', build: () => ({ body: '{"$where": ' }), expect: success },
    {
      name: 'an operator body with a __proto__ key on a route that takes no body is ignored → 2xx',
      build: () => ({ body: `{"__proto__":{"${pollutionMarker}":true},"bucketId":{"$ne":null}}` }),
      expect: success,
    },
    {
      name: 'a text/plain body on a route that takes no body is ignored → 2xx',
      build: () => ({ body: 'hello', contentType: 'text/plain' }),
      expect: success,
    },
  ];
}

function casesFor(route: Route): HostileCase[] {
  return [
    ...wholeBodyCases(route),
    ...fieldCases(route),
    ...keyCases(route),
    ...pathCases(route),
    ...queryCases(route),
    ...headerCases(route),
    ...idempotencyCases(route),
    ...ignoredBodyCases(route),
  ];
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  world = await createExampleWorld(app());
});

afterAll(() => {
  const statuses = [...statusTally.entries()].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`);
  console.log(`hostile input: ${casesRun} hostile cases ran over ${routeTable.length} routes (statuses: ${statuses.join(', ')})`);
});

describe('hostile input', () => {
  it('has an example request for every route of the route table', () => {
    expectRegistryCoversRouteTable();
  });

  // The InfluxDB routes answer in InfluxDB's shapes; their hostile cases are in influxHostileInput.test.ts.
  describe.each(routeTable.filter(speaksDakkio).map((route) => [routeLabel(route), route] as const))('%s', (_label, route) => {
    it.each(casesFor(route).map((hostile) => [hostile.name, hostile] as const))('%s', async (_name, hostile) => {
      await runCase(route, hostile);
    });
  });
});
