import { defineRoute } from '../../http/route';
import { ingestBatch, ingestPoint } from './ingest.service';
import { toDataPointResponse } from './presenters';
import { ingestBatchBody, ingestBatchOut, ingestPointBody, ingestPointOut } from './schemas';

const ingestAccess = {
  kind: 'key',
  scope: 'data:write',
  deniedMessage: 'Only Admin and Write keys can ingest data',
  bucket: { from: 'body', field: 'bucketId' },
} as const;

export const pointRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/data',
    summary: 'Ingest one data point',
    tag: 'Data',
    access: ingestAccess,
    request: { body: ingestPointBody },
    response: { status: 201, schema: ingestPointOut, description: 'The stored point (acknowledged by the database)' },
    handler: async ({ bucket, body }) => ({
      message: 'Data point ingested successfully',
      dataPoint: toDataPointResponse(await ingestPoint(bucket, body)),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/data/batch',
    summary: 'Ingest 1-1000 data points, all or nothing',
    tag: 'Data',
    access: ingestAccess,
    request: { body: ingestBatchBody },
    response: { status: 201, schema: ingestBatchOut, description: 'How many points were stored' },
    handler: async ({ bucket, body }) => ({
      message: 'Batch ingested successfully',
      inserted: await ingestBatch(bucket, body.dataPoints),
    }),
  }),
];
