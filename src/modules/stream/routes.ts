import { defineRoute } from '../../http/route';
import { bucketParams } from '../buckets/schemas';
import { sourcesOfBucket } from './sourcesOfBucket';
import { streamEvents, streamEventsDescription, streamHeaders, streamQuery } from './schemas';
import { streamBucket } from './streamBucket';

export const streamRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/buckets/:bucketId/stream',
    summary: 'Live stream of a bucket’s committed points (Server-Sent Events)',
    tag: 'Data',
    access: { kind: 'key', scope: 'data:read', deniedMessage: 'Insufficient permissions', bucket: { from: 'params', field: 'bucketId' } },
    request: { params: bucketParams, query: streamQuery, headers: streamHeaders },
    response: { status: 200, schema: streamEvents, description: streamEventsDescription, mediaType: 'text/event-stream' },
    handler: async ({ key, bucket, query, headers, deps, openEventStream }) => {
      const bucketId = bucket._id.toHexString();
      const sourceIds = query.dataSourceIds ? await sourcesOfBucket(bucketId, query.dataSourceIds, deps.loadSource) : null;
      const stillAllowed = async () => {
        const [keyActive, current] = await Promise.all([deps.keyIsActive(key.id), deps.loadBucket(bucketId)]);
        return keyActive && current !== null && !current.deletingAt;
      };
      await streamBucket({ keyId: key.id, bucketId, sourceIds, lastEventId: headers['last-event-id'] }, openEventStream(), {
        live: deps.liveStream,
        stillAllowed,
      });
      return undefined;
    },
  }),
];
