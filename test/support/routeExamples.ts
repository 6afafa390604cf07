import fc from 'fast-check';
import { z } from 'zod';
import type { Route } from '../../src/http/route';
import { routeTable } from '../../src/http/routeTable';
import {
  aggregationText,
  allOptional,
  arrayText,
  bodyFrom,
  fieldSchemaText,
  intervalText,
  metadataText,
  optional,
  printable,
  quoted,
  timeText,
  uniqueNameText,
  valuesText,
  type Fields,
} from './arbitraries';
import { createBucket, createBucketKey, createDataSource, createTenant, uniqueName, type Tenant } from './tenants';
import type { TestApp } from './testApp';

/**
 * The one registry of route examples: for every route of the route table
 * (src/http/routeTable.ts), keyed "method path", a valid example request and the facts the
 * table-driven suites need about it. The access matrix, the hostile-input suite and the
 * property tests all read it, and all of them fail while a route has no entry, so a new
 * route is added here and nowhere else.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** What every example runs against. */
export interface ExampleWorld {
  app: TestApp;
  tenant: Tenant;
  /** A data source of the tenant's bucket with schema { temperature: number, label: string, on: boolean }. */
  sourceId: string;
  /** An alert rule on that source, and a delivery of it. */
  alertId: string;
  deliveryId: string;
}

/** Any address a delivery would connect to here is refused at once (no allow-list in these suites), so no attempt waits on the network. */
const exampleWebhookUrl = 'https://127.0.0.1:9/hooks/dakkio';

async function createAlertRule(app: TestApp, adminKey: string, bucketId: string, dataSourceId: string): Promise<string> {
  const res = await app.http
    .post('/api/alerts')
    .set('X-API-Key', adminKey)
    .send({ bucketId, dataSourceId, name: uniqueName('alert'), condition: 'temperature > 30', webhookUrl: exampleWebhookUrl })
    .expect(201);
  return res.body.alertRule._id as string;
}

async function queueTestDelivery(app: TestApp, adminKey: string, bucketId: string, alertId: string): Promise<string> {
  const res = await app.http.post(`/api/buckets/${bucketId}/alerts/${alertId}/test`).set('X-API-Key', adminKey).expect(202);
  return res.body.deliveryId as string;
}

export async function createExampleWorld(app: TestApp): Promise<ExampleWorld> {
  const tenant = await createTenant(app);
  const sourceId = await createDataSource(app, tenant.adminKey, tenant.bucketId, { temperature: 'number', label: 'string', on: 'boolean' });
  const alertId = await createAlertRule(app, tenant.adminKey, tenant.bucketId, sourceId);
  const deliveryId = await queueTestDelivery(app, tenant.adminKey, tenant.bucketId, alertId);
  return { app, tenant, sourceId, alertId, deliveryId };
}

/** What an example request refers to; an entry's `prepare` makes fresh ones where a request consumes them. */
export interface Fixture {
  bucketId: string;
  sourceId: string;
  keyId: string;
  alertId: string;
  deliveryId: string;
  timestamp: string;
  startTime: string;
  endTime: string;
  future: string;
}

/** IDs for random bodies: arbitraries, so a suite can mix in upper-case or unknown IDs. */
export interface RandomIds {
  bucketId: () => fc.Arbitrary<string>;
  sourceId: () => fc.Arbitrary<string>;
}

export interface RouteExample {
  /** Makes what a request consumes or changes (a bucket to delete, a key to rotate). Default: the world's. */
  prepare?: (w: ExampleWorld) => Promise<Partial<Fixture>>;
  /** For routes that take a JSON body: a valid one, with every optional field present. */
  body?: (f: Fixture) => JsonObject;
  /** For routes whose body is text (line protocol, a form): a valid one. */
  textBody?: (f: Fixture) => string;
  /** For routes that read the query string (the InfluxDB routes name their bucket there): a valid one. */
  query?: (f: Fixture) => Record<string, string>;
  /** Dotted paths of body fields that are free text (any string is legitimately fine there). */
  freeText?: string[];
  /** For routes that take a body: JSON texts of valid bodies, some with one or two random changes. */
  randomBody?: (ids: RandomIds) => fc.Arbitrary<string>;
  /**
   * Whether the property suite also sends `randomBody` bodies to the real app, with the
   * world's admin key on the world's path. Off where valid requests would consume the world
   * (rotate, patch) or mint a key per run.
   */
  randomOverHttp?: boolean;
}

const hour = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

const freshBucket = async (w: ExampleWorld) => ({ bucketId: await createBucket(w.app, w.tenant.adminKey) });
const freshBucketKey = async (w: ExampleWorld) => ({
  keyId: (await createBucketKey(w.app, w.tenant.adminKey, w.tenant.bucketId, 'read')).id,
});
const freshAlert = async (w: ExampleWorld) => ({
  alertId: await createAlertRule(w.app, w.tenant.adminKey, w.tenant.bucketId, w.sourceId),
});
const freshSource = async (w: ExampleWorld) => ({
  sourceId: await createDataSource(w.app, w.tenant.adminKey, w.tenant.bucketId, { temperature: 'number', label: 'string' }),
});

// Random-body building blocks shared by several routes.
const bucketFields: Fields = {
  name: fc.oneof(
    { weight: 4, arbitrary: uniqueNameText('bucket') },
    { weight: 1, arbitrary: fc.constant('"same name"') },
    { weight: 1, arbitrary: printable(100).map(quoted) },
  ),
  description: optional(fc.string({ maxLength: 60 }).map(quoted)),
  retentionDays: optional(fc.oneof(fc.integer({ min: 1, max: 3650 }).map(String), fc.constantFrom('3650.0', '1e1'))),
};
const sourceFields: Fields = {
  name: fc.oneof({ weight: 4, arbitrary: uniqueNameText('source') }, { weight: 1, arbitrary: fc.constant('"same name"') }),
  type: optional(printable(50).map(quoted)),
  description: optional(fc.string({ maxLength: 60 }).map(quoted)),
  schema: fieldSchemaText,
  downsampling: optional(fc.boolean().map(String)),
};
const keyFields: Fields = {
  name: uniqueNameText('key'),
  expiresAt: optional(fc.constantFrom('"2999-01-01T00:00:00Z"', '"2000-01-01T00:00:00Z"')),
};
const alertFields: Fields = {
  name: fc.oneof({ weight: 4, arbitrary: uniqueNameText('alert') }, { weight: 1, arbitrary: printable(100).map(quoted) }),
  condition: fc.constantFrom(
    '"temperature > 30"',
    '"Temperature exceeds 30°C for 5 minutes"',
    '"no data for 30 minutes"',
    '"label > 3"',
    '"temperature is warm"',
    '""',
  ),
  webhookUrl: fc.constantFrom(`"${exampleWebhookUrl}"`, '"http://example.com/hook"', '"https://user:pw@example.com/"', '"not a url"'),
  cooldownMinutes: optional(fc.oneof(fc.integer({ min: 0, max: 10_080 }).map(String), fc.constantFrom('0.5', '-1', '10081', '"5"'))),
};
const quotedBucketId = (ids: RandomIds) => ids.bucketId().map(quoted);
const quotedSourceId = (ids: RandomIds) => ids.sourceId().map(quoted);

export const routeExamples: Record<string, RouteExample> = {
  'get /health': {},
  'get /ready': {},
  'get /ping': {},
  'get /api/analytics/overview': {},
  'get /api/analytics/buckets/:bucketId': { query: () => ({ period: '30d' }) },
  'post /write': {
    query: (f) => ({ db: f.bucketId, precision: 'ms', rp: 'autogen', consistency: 'all' }),
    textBody: (f) => `access_matrix,site=north temperature=21.5,label="north" ${Date.parse(f.timestamp)}\n`,
  },
  'get /query': { query: (f) => ({ db: f.bucketId, q: 'SHOW MEASUREMENTS; SHOW RETENTION POLICIES', epoch: 'ms' }) },
  'post /query': { query: (f) => ({ db: f.bucketId, epoch: 'ms' }), textBody: () => 'q=SHOW+FIELD+KEYS' },
  'post /api/v2/write': {
    query: (f) => ({ bucket: f.bucketId, org: 'ignored', precision: 's' }),
    textBody: (f) => `access_matrix,site=north temperature=21.5,label="north" ${Math.floor(Date.parse(f.timestamp) / 1000)}\n`,
  },
  'get /api/openapi.json': {},
  'get /metrics': {},
  'get /api/buckets': {},
  'post /api/buckets': {
    body: () => ({ name: uniqueName('bucket'), description: 'greenhouse sensors', retentionDays: 30 }),
    freeText: ['name', 'description'],
    randomBody: () => bodyFrom(bucketFields),
    randomOverHttp: true,
  },
  'get /api/buckets/:bucketId': {},
  'patch /api/buckets/:bucketId': {
    prepare: freshBucket,
    body: () => ({ name: uniqueName('renamed'), description: 'patched', retentionDays: 30 }),
    freeText: ['name', 'description'],
    randomBody: () => bodyFrom(allOptional(bucketFields)),
  },
  'delete /api/buckets/:bucketId': { prepare: freshBucket },
  'get /api/buckets/:bucketId/keys': {},
  'post /api/buckets/:bucketId/keys': {
    body: (f) => ({ name: 'hostile key', type: 'read', scopes: ['data:read'], expiresAt: f.future }),
    freeText: ['name'],
    randomBody: () =>
      bodyFrom({
        ...keyFields,
        type: fc.constantFrom('"write"', '"read"'),
        scopes: optional(fc.constantFrom('["data:read"]', '["data:write","data:read"]', '["keys:write"]')),
      }),
  },
  'delete /api/buckets/:bucketId/keys/:keyId': { prepare: freshBucketKey },
  'post /api/buckets/:bucketId/keys/:keyId/rotate': {
    prepare: freshBucketKey,
    body: () => ({ gracePeriodSeconds: 10 }),
    randomBody: () => bodyFrom({ gracePeriodSeconds: optional(fc.integer({ min: 0, max: 86_400 }).map(String)) }),
  },
  'get /api/buckets/:bucketId/sources': {},
  'post /api/buckets/:bucketId/sources': {
    body: () => ({
      name: uniqueName('source'),
      type: 'sensor',
      description: 'greenhouse probe',
      schema: { temperature: { type: 'number', unit: 'C' }, label: 'string' },
      downsampling: true,
    }),
    freeText: ['name', 'type', 'description', 'schema.temperature.unit'],
    randomBody: () => bodyFrom(sourceFields),
    randomOverHttp: true,
  },
  'get /api/buckets/:bucketId/sources/:sourceId': {},
  'patch /api/buckets/:bucketId/sources/:sourceId': {
    prepare: freshSource,
    body: () => ({
      name: uniqueName('renamed source'),
      type: 'probe',
      description: 'patched',
      schema: { temperature: 'number', label: { type: 'string' } },
      downsampling: false,
      status: 'active',
    }),
    freeText: ['name', 'type', 'description'],
    randomBody: () => bodyFrom({ ...allOptional(sourceFields), status: optional(fc.constantFrom('"active"', '"inactive"')) }),
  },
  'delete /api/buckets/:bucketId/sources/:sourceId': { prepare: freshSource },
  'post /api/data': {
    body: (f) => ({
      bucketId: f.bucketId,
      dataSourceId: f.sourceId,
      timestamp: f.timestamp,
      values: { temperature: 21.5, label: 'north' },
      metadata: { site: 'north' },
    }),
    freeText: ['values.label', 'metadata.site'],
    randomBody: (ids) =>
      bodyFrom({
        bucketId: quotedBucketId(ids),
        dataSourceId: quotedSourceId(ids),
        timestamp: optional(timeText),
        values: valuesText,
        metadata: optional(metadataText),
      }),
    randomOverHttp: true,
  },
  'post /api/data/batch': {
    body: (f) => ({
      bucketId: f.bucketId,
      dataPoints: [
        { dataSourceId: f.sourceId, timestamp: f.timestamp, values: { temperature: 1, label: 'south' }, metadata: { site: 'south' } },
      ],
    }),
    freeText: ['dataPoints.0.values.label', 'dataPoints.0.metadata.site'],
    randomBody: (ids) => {
      const point = bodyFrom(
        { dataSourceId: quotedSourceId(ids), timestamp: optional(timeText), values: valuesText, metadata: optional(metadataText) },
        6,
      );
      return bodyFrom({ bucketId: quotedBucketId(ids), dataPoints: arrayText(point, 1, 5) });
    },
    randomOverHttp: true,
  },
  'post /api/data/query': {
    body: (f) => ({
      bucketId: f.bucketId,
      dataSourceIds: [f.sourceId],
      filters: {
        startTime: f.startTime,
        endTime: f.endTime,
        limit: 10,
        offset: 0,
        order: 'desc',
        fields: ['temperature'],
        metadata: { site: 'north' },
      },
    }),
    freeText: ['filters.metadata.site'],
    randomBody: (ids) => {
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
      return bodyFrom({
        bucketId: quotedBucketId(ids),
        dataSourceId: optional(quotedSourceId(ids)),
        dataSourceIds: optional(arrayText(quotedSourceId(ids), 1, 3)),
        filters: optional(filters),
        aggregation: optional(aggregationText),
        groupBy: optional(intervalText),
      });
    },
    randomOverHttp: true,
  },
  'delete /api/data': {
    // A point in the range, so a refused delete can be seen to have deleted nothing.
    prepare: async (w) => {
      const now = Date.now();
      await w.app.http
        .post('/api/data')
        .set('X-API-Key', w.tenant.adminKey)
        .send({ bucketId: w.tenant.bucketId, dataSourceId: w.sourceId, timestamp: iso(now - 2 * hour), values: { temperature: 5 } })
        .expect(201);
      return { startTime: iso(now - 3 * hour), endTime: iso(now - hour) };
    },
    body: (f) => ({ bucketId: f.bucketId, dataSourceId: f.sourceId, startTime: f.startTime, endTime: f.endTime }),
    randomBody: (ids) =>
      bodyFrom({ bucketId: quotedBucketId(ids), dataSourceId: optional(quotedSourceId(ids)), startTime: timeText, endTime: timeText }),
    randomOverHttp: true,
  },
  'post /api/alerts': {
    body: (f) => ({
      bucketId: f.bucketId,
      dataSourceId: f.sourceId,
      name: uniqueName('alert'),
      condition: 'temperature exceeds 30°C for 5 minutes',
      webhookUrl: exampleWebhookUrl,
      cooldownMinutes: 5,
    }),
    freeText: ['name'],
    randomBody: (ids) => bodyFrom({ bucketId: quotedBucketId(ids), dataSourceId: quotedSourceId(ids), ...alertFields }),
    randomOverHttp: true,
  },
  'get /api/buckets/:bucketId/alerts': {},
  'get /api/buckets/:bucketId/alerts/:alertId': {},
  'patch /api/buckets/:bucketId/alerts/:alertId': {
    prepare: freshAlert,
    body: () => ({
      name: uniqueName('renamed alert'),
      condition: 'temperature is below 5',
      webhookUrl: `${exampleWebhookUrl}/v2`,
      cooldownMinutes: 10,
      status: 'paused',
    }),
    freeText: ['name'],
    randomBody: () => bodyFrom({ ...allOptional(alertFields), status: optional(fc.constantFrom('"active"', '"paused"', '"disabled"')) }),
  },
  'delete /api/buckets/:bucketId/alerts/:alertId': { prepare: freshAlert },
  'post /api/buckets/:bucketId/alerts/:alertId/rotate-secret': {
    prepare: freshAlert,
    body: () => ({ gracePeriodSeconds: 60 }),
    randomBody: () => bodyFrom({ gracePeriodSeconds: optional(fc.integer({ min: 0, max: 86_400 }).map(String)) }),
  },
  'post /api/buckets/:bucketId/alerts/:alertId/test': {},
  'get /api/buckets/:bucketId/alerts/:alertId/deliveries': {},
  'get /api/buckets/:bucketId/alerts/:alertId/deliveries/:deliveryId': {},
  'post /api/buckets/:bucketId/alerts/:alertId/deliveries/:deliveryId/retry': {},
  'get /api/keys/me': {},
  'get /api/buckets/:bucketId/stream': {},
  'get /api/keys': {},
  'post /api/keys': {
    body: (f) => ({ name: 'hostile admin', expiresAt: f.future }),
    freeText: ['name'],
    randomBody: () => bodyFrom(keyFields),
  },
  'get /api/audit-logs': { query: (f) => ({ limit: '10', offset: '0', action: 'bucket.create', since: f.startTime }) },
  'delete /api/keys/:keyId': {
    prepare: async (w) => {
      const res = await w.app.http.post('/api/keys').set('X-API-Key', w.tenant.adminKey).send({ name: 'to delete' }).expect(201);
      return { keyId: res.body.apiKey._id as string };
    },
  },
};

// ---------------------------------------------------------------------------------------
// Facts about routes, and the registry's own checks
// ---------------------------------------------------------------------------------------

/** The registry's key of a route: "method path", e.g. "post /api/data". */
export const routeId = (route: Route) => `${route.method} ${route.path}`;
/** How tests name a route: "POST /api/data". */
export const routeLabel = (route: Route) => `${route.method.toUpperCase()} ${route.path}`;

export const paramsOf = (route: Route) => [...route.path.matchAll(/:(\w+)/g)].map((match) => match[1]!);
export const hasBody = (route: Route) => route.request.body !== undefined;
/** A body other than JSON: line protocol or a form. */
export const hasTextBody = (route: Route) => hasBody(route) && (route.request.bodyFormat ?? 'json') !== 'json';
/** Routes speaking InfluxDB's conventions (keys, bodies, error shapes) rather than dakkio's. */
export const speaksDakkio = (route: Route) => (route.dialect ?? 'dakkio') === 'dakkio';
export const takesIdempotencyKey = (route: Route) =>
  route.request.headers instanceof z.ZodObject && 'idempotency-key' in (route.request.headers.shape as object);

/** What each path parameter names: the fixture field that fills it, and the word its "Invalid … ID format" message uses. */
export const pathParams: Record<string, { fixture: 'bucketId' | 'sourceId' | 'keyId' | 'alertId' | 'deliveryId'; label: string }> = {
  bucketId: { fixture: 'bucketId', label: 'bucket' },
  alertId: { fixture: 'alertId', label: 'alert' },
  deliveryId: { fixture: 'deliveryId', label: 'delivery' },
  sourceId: { fixture: 'sourceId', label: 'data source' },
  keyId: { fixture: 'keyId', label: 'key' },
};

const registryFile = 'test/support/routeExamples.ts';

/** Everything that keeps the registry from describing the route table; empty when it does. */
export function registryProblems(): string[] {
  const problems: string[] = [];
  for (const route of routeTable) {
    const id = routeId(route);
    const example = routeExamples[id];
    if (!example) {
      problems.push(`"${id}" has no entry`);
      continue;
    }
    if (hasTextBody(route)) {
      if (!example.textBody) problems.push(`"${id}" takes a text body: its entry needs textBody`);
    } else if (hasBody(route) && (!example.body || !example.randomBody)) {
      problems.push(`"${id}" takes a body: its entry needs body and randomBody`);
    }
    if (!hasBody(route) && (example.body || example.randomBody || example.textBody))
      problems.push(`"${id}" takes no body, yet its entry has one`);
    for (const param of paramsOf(route)) {
      if (!pathParams[param]) problems.push(`"${id}": path parameter :${param} is not in pathParams`);
    }
  }
  const known = new Set(routeTable.map(routeId));
  for (const id of Object.keys(routeExamples)) if (!known.has(id)) problems.push(`"${id}" has an entry but is not in the route table`);
  return problems;
}

/** Fails, naming what to fix, unless every route of the route table has a complete entry. */
export function expectRegistryCoversRouteTable(): void {
  const problems = registryProblems();
  if (problems.length > 0) {
    throw new Error(`${registryFile} does not match src/http/routeTable.ts; add or fix these entries:\n  ${problems.join('\n  ')}`);
  }
}

/** The route's entry; throws with what to do when there is none. */
export function exampleFor(route: Route): RouteExample {
  const example = routeExamples[routeId(route)];
  if (!example)
    throw new Error(`No example for "${routeId(route)}": every route of src/http/routeTable.ts needs an entry in ${registryFile}`);
  return example;
}

/** The world's fixture (times relative to now), with what a `prepare` made instead. */
export function fixtureFor(w: ExampleWorld, prepared: Partial<Fixture> = {}): Fixture {
  const now = Date.now();
  return {
    bucketId: w.tenant.bucketId,
    sourceId: w.sourceId,
    keyId: w.tenant.readKeyId,
    alertId: w.alertId,
    deliveryId: w.deliveryId,
    timestamp: iso(now - 2 * hour),
    startTime: iso(now - 3 * hour),
    endTime: iso(now - hour),
    future: iso(now + 24 * hour),
    ...prepared,
  };
}

/** A fixture of made-up values, for reading the shape of an example body without a world. */
export const placeholderFixture: Fixture = {
  bucketId: '0'.repeat(24),
  sourceId: '0'.repeat(24),
  keyId: '0'.repeat(24),
  alertId: '0'.repeat(24),
  deliveryId: '0'.repeat(24),
  timestamp: iso(0),
  startTime: iso(0),
  endTime: iso(1),
  future: iso(0),
};

/** The route's path with its parameters filled from the fixture, except `swap.param`, which gets `swap.text` verbatim. */
export function pathFor(route: Route, fixture: Fixture, swap?: { param: string; text: string }): string {
  return route.path.replace(/:(\w+)/g, (_match, name: string) => {
    if (swap && name === swap.param) return swap.text;
    const param = pathParams[name];
    if (!param) throw new Error(`Path parameter :${name} of "${routeId(route)}" is not in pathParams of ${registryFile}`);
    return fixture[param.fixture];
  });
}

export interface ExampleRequest {
  /** With the query string, where the route reads one. */
  path: string;
  body?: JsonObject | string;
  /** The bucket the request names, for bucket-scoped routes. */
  bucketId?: string;
}

/** A valid request for the route, with fresh fixtures from `prepare` (so it may be sent once). */
export async function exampleRequest(route: Route, w: ExampleWorld): Promise<ExampleRequest> {
  const example = exampleFor(route);
  const fixture = fixtureFor(w, await example.prepare?.(w));
  const query = example.query ? `?${new URLSearchParams(example.query(fixture))}` : '';
  return {
    path: pathFor(route, fixture) + query,
    body: example.body?.(fixture) ?? example.textBody?.(fixture),
    bucketId: route.access.kind === 'key' && route.access.bucket ? fixture.bucketId : undefined,
  };
}
