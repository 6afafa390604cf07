import { defineRoute } from '../../http/route';
import { deleteRange } from './deleteRange.service';
import { deleteRangeBody, deleteRangeOut } from './schemas';

export const pointRoutes = [
  defineRoute({
    method: 'delete',
    path: '/api/data',
    summary: 'Delete the points of a time range',
    tag: 'Data',
    access: {
      kind: 'key',
      scope: 'data:write',
      deniedMessage: 'Only Admin and Write keys can delete data',
      bucket: { from: 'body', field: 'bucketId' },
    },
    request: { body: deleteRangeBody },
    response: { status: 200, schema: deleteRangeOut, description: 'How many points were deleted' },
    handler: async ({ bucket, body }) => ({ message: 'Data deleted successfully', deleted: await deleteRange(bucket, body) }),
  }),
];
