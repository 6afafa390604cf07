import { defineRoute, type AppDeps } from '../../http/route';
import { recordChange } from '../audit/recordChange';
import { toDataSourceResponse } from './presenters';
import {
  createSourceBody,
  deleteSourceOut,
  listSourcesOut,
  sourceMessageOut,
  sourceOut,
  sourceParams,
  sourcesParams,
  updateSourceBody,
} from './schemas';
import { createDataSource, deleteDataSource, findDataSource, listDataSources, updateDataSource } from './sources.service';

const inPath = { from: 'params', field: 'bucketId' } as const;
const limitsOf = ({ config }: AppDeps) => ({
  maxSourcesPerBucket: config.MAX_SOURCES_PER_BUCKET,
  maxFieldsPerSource: config.MAX_FIELDS_PER_SOURCE,
});
const readAccess = { kind: 'key', scope: 'sources:read', deniedMessage: 'Insufficient permissions', bucket: inPath } as const;
const writeAccess = (operation: string) =>
  ({
    kind: 'key',
    scope: 'sources:write',
    deniedMessage: `Only Admin and Write keys can ${operation} data sources`,
    bucket: inPath,
  }) as const;

export const sourceRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/buckets/:bucketId/sources',
    summary: 'List a bucket’s data sources',
    tag: 'Data sources',
    access: readAccess,
    request: { params: sourcesParams },
    response: { status: 200, schema: listSourcesOut, description: 'The data sources' },
    handler: async ({ bucket }) => ({ dataSources: (await listDataSources(bucket)).map(toDataSourceResponse) }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/buckets/:bucketId/sources',
    summary: 'Create a data source with its field schema',
    tag: 'Data sources',
    access: writeAccess('create'),
    request: { params: sourcesParams, body: createSourceBody },
    response: { status: 201, schema: sourceMessageOut, description: 'The new data source' },
    handler: async (request) => {
      const source = await createDataSource(request.bucket, request.body, limitsOf(request.deps));
      await recordChange(request, 'source.create', source);
      return { message: 'Data source created successfully', dataSource: toDataSourceResponse(source) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/buckets/:bucketId/sources/:sourceId',
    summary: 'Get a data source',
    tag: 'Data sources',
    access: readAccess,
    request: { params: sourceParams },
    response: { status: 200, schema: sourceOut, description: 'The data source' },
    handler: async ({ bucket, params }) => ({
      dataSource: toDataSourceResponse(await findDataSource(bucket, params.sourceId)),
    }),
  }),
  defineRoute({
    method: 'patch',
    path: '/api/buckets/:bucketId/sources/:sourceId',
    summary: 'Update a data source',
    tag: 'Data sources',
    access: writeAccess('update'),
    request: { params: sourceParams, body: updateSourceBody },
    response: { status: 200, schema: sourceMessageOut, description: 'The updated data source' },
    handler: async (request) => {
      const source = await updateDataSource(request.bucket, request.params.sourceId, request.body, limitsOf(request.deps));
      await recordChange(request, 'source.update', source);
      return { message: 'Data source updated successfully', dataSource: toDataSourceResponse(source) };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/buckets/:bucketId/sources/:sourceId',
    summary: 'Delete a data source and its points',
    tag: 'Data sources',
    access: writeAccess('delete'),
    request: { params: sourceParams },
    response: { status: 200, schema: deleteSourceOut, description: 'What was deleted' },
    handler: async (request) => {
      const { source, deletedDataPoints } = await deleteDataSource(request.bucket, request.params.sourceId);
      await recordChange(request, 'source.delete', source);
      return {
        message: 'Data source deleted successfully',
        deletedDataSource: { _id: source._id.toHexString(), name: source.name },
        deletedDataPoints,
      };
    },
  }),
];
