import { defineRoute, type AppDeps } from '../../http/route';
import { recordChange } from '../audit/recordChange';
import type { VerifiedKey } from '../keys/verifyKey';
import type { BucketRecord } from '../buckets/model';
import { linesRejected } from './partialWrite';
import { lineProtocolBody, noContent, v1WriteQuery, v2WriteQuery } from './schemas';
import type { Precision } from './timestamps';
import { writeLineProtocol } from './writeLineProtocol';

const writeAccess = (field: 'db' | 'bucket') =>
  ({
    kind: 'key',
    scope: 'data:write',
    deniedMessage: 'Only Admin and Write keys can write data',
    bucket: { from: 'query', field },
  }) as const;

interface WriteRequest {
  bucket: BucketRecord;
  key: VerifiedKey;
  body: string;
  precision: Precision;
  deps: AppDeps;
  holdDeadline: () => void;
  requestId: string;
  ip: string | null;
}

/** Stores the good lines, then refuses the request if any line was bad. */
async function writeLines(request: WriteRequest, api: 'v1' | 'v2'): Promise<undefined> {
  const { deps } = request;
  const outcome = await writeLineProtocol(
    {
      bucket: request.bucket,
      body: request.body,
      precision: request.precision,
      growth: {
        allowed: request.key.scopes.includes('sources:write'),
        limits: { maxSourcesPerBucket: deps.config.MAX_SOURCES_PER_BUCKET, maxFieldsPerSource: deps.config.MAX_FIELDS_PER_SOURCE },
        // A source a write creates or grows is a change like any other: the audit log records it.
        recordChange: (action, source) => recordChange(request, action, source),
      },
      onWriteSent: request.holdDeadline,
    },
    deps,
  );
  if (outcome.rejected.length > 0) {
    // Each refused line is a refused point; the stored ones are counted when they are committed.
    deps.pointsNotStored({ transport: 'line-protocol', points: outcome.rejected.length, failed: false });
    throw linesRejected(outcome, api);
  }
  return undefined;
}

export const lineProtocolRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/v2/write',
    summary: 'Write InfluxDB line protocol (InfluxDB 2.x API)',
    tag: 'InfluxDB',
    dialect: 'influx-v2',
    access: writeAccess('bucket'),
    request: { query: v2WriteQuery, body: lineProtocolBody, bodyFormat: 'text' },
    response: { status: 204, schema: noContent, description: 'Every line was stored' },
    handler: async ({ query, ...request }) => writeLines({ ...request, precision: query.precision }, 'v2'),
  }),
  defineRoute({
    method: 'post',
    path: '/write',
    summary: 'Write InfluxDB line protocol (InfluxDB 1.x API)',
    tag: 'InfluxDB',
    dialect: 'influx-v1',
    access: writeAccess('db'),
    request: { query: v1WriteQuery, body: lineProtocolBody, bodyFormat: 'text' },
    response: { status: 204, schema: noContent, description: 'Every line was stored' },
    handler: async ({ query, ...request }) => writeLines({ ...request, precision: query.precision }, 'v1'),
  }),
  defineRoute({
    method: 'get',
    path: '/ping',
    summary: 'InfluxDB health check (GET or HEAD)',
    tag: 'InfluxDB',
    dialect: 'influx-v1',
    access: { kind: 'public' },
    rateLimited: false,
    response: { status: 204, schema: noContent, description: 'The server is up; X-Influxdb-Version says which API it answers' },
    handler: async () => undefined,
  }),
];
