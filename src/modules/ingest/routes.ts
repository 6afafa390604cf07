import { defineRoute } from '../../http/route';
import { ingestPoints } from './ingestPoints';
import { toDataPointResponse } from './presenters';
import { idempotencyHeaders, ingestBatchBody, ingestBatchOut, ingestPointBody, ingestPointOut } from './schemas';

const ingestAccess = {
  kind: 'key',
  scope: 'data:write',
  deniedMessage: 'Only Admin and Write keys can ingest data',
  bucket: { from: 'body', field: 'bucketId' },
} as const;

export const ingestRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/data',
    summary: 'Ingest one data point',
    tag: 'Data',
    access: ingestAccess,
    request: { body: ingestPointBody, headers: idempotencyHeaders },
    response: { status: 201, schema: ingestPointOut, description: 'The stored point (acknowledged by the database)' },
    handler: async ({ bucket, body, headers, deps, holdDeadline }) =>
      ingestPoints(
        {
          bucket,
          inputs: [body],
          pathOf: () => ['body'],
          unknownSource: 'not-found',
          transport: 'http',
          idempotencyKey: headers['idempotency-key'],
          onWriteSent: holdDeadline,
        },
        ([point]) => ({ message: 'Data point ingested successfully', dataPoint: toDataPointResponse(point!) }),
        deps,
      ),
  }),
  defineRoute({
    method: 'post',
    path: '/api/data/batch',
    summary: 'Ingest 1-1000 data points, all or nothing',
    tag: 'Data',
    access: ingestAccess,
    request: { body: ingestBatchBody, headers: idempotencyHeaders },
    response: { status: 201, schema: ingestBatchOut, description: 'How many points were stored' },
    handler: async ({ bucket, body, headers, deps, holdDeadline }) =>
      ingestPoints(
        {
          bucket,
          inputs: body.dataPoints,
          pathOf: (index) => ['body', 'dataPoints', index],
          unknownSource: 'invalid',
          transport: 'http-batch',
          idempotencyKey: headers['idempotency-key'],
          onWriteSent: holdDeadline,
        },
        (points) => ({ message: 'Batch ingested successfully', inserted: points.length }),
        deps,
      ),
  }),
];
