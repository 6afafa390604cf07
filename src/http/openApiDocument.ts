import { serverVersion } from '../shared/version';
import { z } from 'zod';
import { defineRoute, type Route } from './route';
import { httpErrorByCode } from './errorMapping';

const toJsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });

const errorBody = {
  type: 'object',
  required: ['error', 'message', 'requestId'],
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    details: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'array' }, message: { type: 'string' } } },
    },
    requestId: { type: 'string' },
  },
};

const influxV1ErrorBody = { type: 'object', required: ['error'], properties: { error: { type: 'string' } } };
const influxV2ErrorBody = {
  type: 'object',
  required: ['code', 'message'],
  properties: { code: { type: 'string' }, message: { type: 'string' }, line: { type: 'integer', description: 'First refused line' } },
};

function parametersOf(schema: z.ZodType | undefined, location: 'path' | 'query' | 'header') {
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => ({
    name,
    in: location,
    required: location === 'path' || !field.safeParse(undefined).success,
    schema: toJsonSchema(field),
  }));
}

/** The statuses a route can answer besides success, read off its declaration. */
function errorStatusesOf(route: Route): number[] {
  const statuses = new Set<number>([500, 503]);
  if (route.rateLimited !== false && route.access.kind === 'public') statuses.add(429);
  const add = (...more: number[]) => {
    for (const status of more) statuses.add(status);
  };
  if (route.access.kind === 'key') add(401, 429);
  if (route.access.kind === 'key' && route.access.scope !== null) add(403);
  if (route.access.kind === 'key' && route.access.bucket) statuses.add(404);
  if (route.request.params || route.request.query || route.request.body) statuses.add(400);
  if (route.request.body) add(413, 415);
  for (const code of route.alsoThrows ?? []) statuses.add(httpErrorByCode[code].status);
  return [...statuses].sort();
}

const errorNameByStatus = new Map(Object.values(httpErrorByCode).map((e) => [e.status, e.error]));
const errorSchemaOf = { dakkio: 'Error', 'influx-v1': 'InfluxV1Error', 'influx-v2': 'InfluxV2Error' } as const;
const bodyMediaTypeOf = { json: 'application/json', text: 'text/plain', form: 'application/x-www-form-urlencoded' } as const;

function successOf(route: Route) {
  const { description, mediaType, schema } = route.response;
  if (route.response.status === 204) return { description };
  if (mediaType === 'text/event-stream' || mediaType === 'text/plain')
    return { description, content: { [route.response.contentType ?? mediaType]: { schema: { type: 'string' } } } };
  return { description, content: { 'application/json': { schema: toJsonSchema(schema) } } };
}

/** InfluxDB clients also send the key as `Token`, a Basic password or (1.x) `p=`. */
function securityOf(route: Route) {
  if (route.access.kind !== 'key') return [];
  const dakkio = [{ ApiKeyHeader: [] }, { BearerKey: [] }];
  if (route.dialect === 'influx-v2') return [...dakkio, { InfluxToken: [] }, { BasicPassword: [] }];
  if (route.dialect === 'influx-v1') return [...dakkio, { InfluxToken: [] }, { BasicPassword: [] }, { PasswordParameter: [] }];
  return dakkio;
}

function operationOf(route: Route) {
  const responses: Record<string, unknown> = { [route.response.status]: successOf(route) };
  const errorSchema = `#/components/schemas/${errorSchemaOf[route.dialect ?? 'dakkio']}`;
  for (const status of errorStatusesOf(route)) {
    responses[status] = {
      description: errorNameByStatus.get(status) ?? 'Error',
      content: { 'application/json': { schema: { $ref: errorSchema } } },
    };
  }
  const bodyMediaType = bodyMediaTypeOf[route.request.bodyFormat ?? 'json'];
  return {
    summary: route.summary,
    tags: [route.tag],
    security: securityOf(route),
    ...(route.access.kind === 'key' ? { 'x-required-scope': route.access.scope ?? 'any valid key' } : {}),
    parameters: [
      ...parametersOf(route.request.params, 'path'),
      ...parametersOf(route.request.query, 'query'),
      ...parametersOf(route.request.headers, 'header'),
    ],
    ...(route.request.body
      ? { requestBody: { required: true, content: { [bodyMediaType]: { schema: toJsonSchema(route.request.body) } } } }
      : {}),
    responses,
  };
}

export function buildOpenApiDocument(routes: readonly Route[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [route.method]: operationOf(route) };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'dakkio-server', version: serverVersion, description: 'Time-series API for IoT sensors and dashboards' },
    components: {
      securitySchemes: {
        ApiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        BearerKey: { type: 'http', scheme: 'bearer' },
        InfluxToken: { type: 'apiKey', in: 'header', name: 'Authorization', description: '`Token <key>`, as InfluxDB clients send it' },
        BasicPassword: { type: 'http', scheme: 'basic', description: 'Any user name; the key as password' },
        PasswordParameter: { type: 'apiKey', in: 'query', name: 'p', description: 'InfluxDB 1.x: the key as the `p` parameter' },
      },
      schemas: { Error: errorBody, InfluxV1Error: influxV1ErrorBody, InfluxV2Error: influxV2ErrorBody },
    },
    paths,
  };
}

/** The document describes every route including itself, so it takes the table lazily. */
export const openApiRoute = (allRoutes: () => readonly Route[]) => {
  let cached: ReturnType<typeof buildOpenApiDocument> | undefined;
  return defineRoute({
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This OpenAPI document',
    tag: 'Service',
    access: { kind: 'public' },
    response: { status: 200, schema: z.record(z.string(), z.unknown()), description: 'OpenAPI 3.1 document' },
    handler: async () => (cached ??= buildOpenApiDocument(allRoutes())),
  });
};
