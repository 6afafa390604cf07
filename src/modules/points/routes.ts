import { defineRoute } from '../../http/route';
import { deleteRange } from './deleteRange.service';
import { ingestBatch, ingestPoint } from './ingest.service';
import { toDataPointResponse } from './presenters';
import { deleteRangeBody, deleteRangeOut, queryBody, queryOut } from './query.schemas';
import { queryPoints } from './query.service';
import { idempotencyHeaders, ingestBatchBody, ingestBatchOut, ingestPointBody, ingestPointOut } from './schemas';
import type { BucketRecord } from '../buckets/model';
import { withIdempotency, type StableIds } from '../idempotency/withIdempotency';

const inBody = { from: 'body', field: 'bucketId' } as const;

/** Ingest runs under the request's Idempotency-Key, if any, scoped to its bucket. */
const idempotently = <T>(
  bucket: BucketRecord,
  headers: { 'idempotency-key'?: string },
  body: unknown,
  run: (ids: StableIds | null) => Promise<T>,
) => withIdempotency({ scope: bucket._id.toHexString(), key: headers['idempotency-key'], request: body, run });
const ingestAccess = { kind: 'key', scope: 'data:write', deniedMessage: 'Only Admin and Write keys can ingest data', bucket: inBody } as const;

export const pointRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/data',
    summary: 'Ingest one data point',
    tag: 'Data',
    access: ingestAccess,
    request: { body: ingestPointBody, headers: idempotencyHeaders },
    response: { status: 201, schema: ingestPointOut, description: 'The stored point (acknowledged by the database)' },
    handler: async ({ bucket, body, headers, deps }) =>
      idempotently(bucket, headers, body, async (ids) => ({
        message: 'Data point ingested successfully',
        dataPoint: toDataPointResponse(await ingestPoint(bucket, body, ids, deps)),
      })),
  }),
  defineRoute({
    method: 'post',
    path: '/api/data/batch',
    summary: 'Ingest 1-1000 data points, all or nothing',
    tag: 'Data',
    access: ingestAccess,
    request: { body: ingestBatchBody, headers: idempotencyHeaders },
    response: { status: 201, schema: ingestBatchOut, description: 'How many points were stored' },
    handler: async ({ bucket, body, headers }) =>
      idempotently(bucket, headers, body, async (ids) => ({
        message: 'Batch ingested successfully',
        inserted: await ingestBatch(bucket, body.dataPoints, ids),
      })),
  }),
  defineRoute({
    method: 'post',
    path: '/api/data/query',
    summary: 'Query points over a time range, raw or aggregated (auto-downsampled past 500 points)',
    tag: 'Data',
    access: { kind: 'key', scope: 'data:read', deniedMessage: 'Insufficient permissions', bucket: inBody },
    request: { body: queryBody },
    response: { status: 200, schema: queryOut, description: 'The matching points or interval rows' },
    handler: async ({ bucket, body }) => queryPoints(bucket, body),
  }),
  defineRoute({
    method: 'delete',
    path: '/api/data',
    summary: 'Delete the points of a time range',
    tag: 'Data',
    access: { kind: 'key', scope: 'data:write', deniedMessage: 'Only Admin and Write keys can delete data', bucket: inBody },
    request: { body: deleteRangeBody },
    response: { status: 200, schema: deleteRangeOut, description: 'How many points were deleted' },
    handler: async ({ bucket, body }) => ({ message: 'Data deleted successfully', deleted: await deleteRange(bucket, body) }),
  }),
];
