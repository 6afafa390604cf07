import { defineRoute } from '../../http/route';
import { queryPoints } from './query.service';
import { queryBody, queryOut } from './schemas';

export const queryRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/data/query',
    summary: 'Query points over a time range, raw or aggregated (auto-downsampled past 500 points)',
    tag: 'Data',
    access: { kind: 'key', scope: 'data:read', deniedMessage: 'Insufficient permissions', bucket: { from: 'body', field: 'bucketId' } },
    request: { body: queryBody },
    response: { status: 200, schema: queryOut, description: 'The matching points or interval rows' },
    handler: async ({ key, bucket, body, deps }) =>
      deps.queryGate(key.id, () =>
        queryPoints(bucket, body, {
          maxTimeMS: deps.config.QUERY_MAX_TIME_MS,
          maxIntervals: deps.config.QUERY_MAX_INTERVALS,
          maxResponseBytes: deps.config.QUERY_MAX_RESPONSE_BYTES,
        }),
      ),
  }),
];
