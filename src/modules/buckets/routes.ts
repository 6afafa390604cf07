import { defineRoute } from '../../http/route';
import { recordChange } from '../audit/recordChange';
import { paginationQuery } from '../../shared/schemas';
import { bucketStats, deleteBucketWithResources } from './bucketResources';
import { createBucket, listBuckets, updateBucket } from './buckets.service';
import { toBucketResponse } from './presenters';
import {
  bucketMessageOut,
  bucketParams,
  bucketWithStatsOut,
  createBucketBody,
  deleteBucketOut,
  listBucketsOut,
  updateBucketBody,
} from './schemas';

const inPath = { from: 'params', field: 'bucketId' } as const;

export const bucketRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/buckets',
    summary: 'List the organization’s buckets',
    tag: 'Buckets',
    access: { kind: 'key', scope: 'buckets:read', deniedMessage: 'Only Admin keys can list buckets' },
    request: { query: paginationQuery },
    response: { status: 200, schema: listBucketsOut, description: 'A page of buckets' },
    handler: async ({ key, query }) => {
      const { buckets, pagination } = await listBuckets(key.organizationId, query);
      return { buckets: buckets.map(toBucketResponse), pagination };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/buckets',
    summary: 'Create a bucket',
    tag: 'Buckets',
    access: { kind: 'key', scope: 'buckets:write', deniedMessage: 'Only Admin keys can create buckets' },
    request: { body: createBucketBody },
    response: { status: 201, schema: bucketMessageOut, description: 'The new bucket' },
    handler: async (request) => {
      const bucket = await createBucket(request.key.organizationId, request.body);
      await recordChange(request, 'bucket.create', bucket);
      return { message: 'Bucket created successfully', bucket: toBucketResponse(bucket) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/buckets/:bucketId',
    summary: 'Get a bucket with its statistics',
    tag: 'Buckets',
    access: { kind: 'key', scope: 'buckets:read', deniedMessage: 'Only Admin keys can view buckets', bucket: inPath },
    request: { params: bucketParams },
    response: { status: 200, schema: bucketWithStatsOut, description: 'The bucket' },
    handler: async ({ bucket, deps }) => ({
      bucket: { ...toBucketResponse(bucket), stats: await bucketStats(bucket, deps.config.QUERY_MAX_TIME_MS) },
    }),
  }),
  defineRoute({
    method: 'patch',
    path: '/api/buckets/:bucketId',
    summary: 'Update a bucket',
    tag: 'Buckets',
    access: { kind: 'key', scope: 'buckets:write', deniedMessage: 'Only Admin keys can update buckets', bucket: inPath },
    request: { params: bucketParams, body: updateBucketBody },
    response: { status: 200, schema: bucketMessageOut, description: 'The updated bucket' },
    handler: async (request) => {
      const bucket = await updateBucket(request.bucket, request.body);
      await recordChange(request, 'bucket.update', bucket);
      return { message: 'Bucket updated successfully', bucket: toBucketResponse(bucket) };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/buckets/:bucketId',
    summary: 'Delete a bucket and everything in it',
    tag: 'Buckets',
    access: { kind: 'key', scope: 'buckets:delete', deniedMessage: 'Only Admin keys can delete buckets', bucket: inPath },
    request: { params: bucketParams },
    response: { status: 200, schema: deleteBucketOut, description: 'What was deleted' },
    handler: async (request) => {
      const { bucket } = request;
      const deletedResources = await deleteBucketWithResources(bucket);
      // The bucket's records stay: they are the organization's history.
      await recordChange(request, 'bucket.delete', bucket);
      return {
        message: 'Bucket deleted successfully',
        deletedBucket: { _id: bucket._id.toHexString(), name: bucket.name },
        deletedResources,
      };
    },
  }),
];
