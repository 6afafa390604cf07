import { defineRoute } from '../../http/route';
import { recordChange } from '../audit/recordChange';
import { bucketParams } from '../buckets/schemas';
import { createAdminKey, deleteAdminKey, listAdminKeys } from './adminKeys.service';
import { createBucketKey, deleteBucketKey, listBucketKeys, rotateBucketKey } from './bucketKeys.service';
import type { ApiKeyRecord } from './model';
import { findOwnKey } from './ownKey.service';
import { toCreatedKey, toListedKey, toOwnKey } from './presenters';
import {
  adminKeyParams,
  bucketKeyParams,
  createAdminKeyBody,
  createBucketKeyBody,
  createdKeyResponse,
  deletedKeyResponse,
  listKeysOut,
  ownKeyOut,
  rotateKeyBody,
  rotatedKeyResponse,
} from './schemas';
import type { KeyType } from './scopes';
import { toIso } from '../../shared/time';

const inPath = { from: 'params', field: 'bucketId' } as const;
const created = 'API key created successfully';
const deleted = (record: ApiKeyRecord) => ({
  message: 'API key deleted successfully',
  deletedKey: { _id: record._id.toHexString(), name: record.name, type: record.type as KeyType },
});

export const keyRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/buckets/:bucketId/keys',
    summary: 'List a bucket’s API keys (prefixes only)',
    tag: 'API keys',
    access: { kind: 'key', scope: 'keys:read', deniedMessage: 'Only Admin keys can list API keys', bucket: inPath },
    request: { params: bucketParams },
    response: { status: 200, schema: listKeysOut, description: 'The bucket’s keys' },
    handler: async ({ bucket }) => ({ apiKeys: (await listBucketKeys(bucket)).map(toListedKey) }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/buckets/:bucketId/keys',
    summary: 'Create a write or read key for a bucket',
    tag: 'API keys',
    access: { kind: 'key', scope: 'keys:write', deniedMessage: 'Only Admin keys can create API keys', bucket: inPath },
    request: { params: bucketParams, body: createBucketKeyBody },
    response: { status: 201, schema: createdKeyResponse, description: 'The new key, in plaintext this once' },
    handler: async (request) => {
      const { config } = request.deps;
      const issued = await createBucketKey(request.bucket, request.body, {
        bcryptRounds: config.BCRYPT_ROUNDS,
        maxKeysPerBucket: config.MAX_KEYS_PER_BUCKET,
      });
      await recordChange(request, 'key.create', issued.record);
      return { message: created, apiKey: toCreatedKey(issued) };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/buckets/:bucketId/keys/:keyId',
    summary: 'Delete a bucket key; it stops working at once',
    tag: 'API keys',
    access: { kind: 'key', scope: 'keys:write', deniedMessage: 'Only Admin keys can delete API keys', bucket: inPath },
    request: { params: bucketKeyParams },
    response: { status: 200, schema: deletedKeyResponse, description: 'The deleted key' },
    handler: async (request) => {
      const record = await deleteBucketKey(request.bucket, request.params.keyId);
      await recordChange(request, 'key.delete', record);
      return deleted(record);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/buckets/:bucketId/keys/:keyId/rotate',
    summary: 'Replace a bucket key, keeping the old one for a grace period',
    tag: 'API keys',
    access: { kind: 'key', scope: 'keys:write', deniedMessage: 'Only Admin keys can rotate API keys', bucket: inPath },
    request: { params: bucketKeyParams, body: rotateKeyBody },
    response: { status: 201, schema: rotatedKeyResponse, description: 'The successor key, in plaintext this once' },
    handler: async (request) => {
      const { bucket, params, body, deps } = request;
      const { successor, previous } = await rotateBucketKey(bucket, params.keyId, body.gracePeriodSeconds, deps.config.BCRYPT_ROUNDS);
      // The target is the key the request rotated; its successor has the same name, and its id is in the response.
      await recordChange(request, 'key.rotate', { _id: previous._id, name: successor.record.name });
      return {
        message: 'API key rotated successfully',
        apiKey: toCreatedKey(successor),
        previousKey: { _id: previous._id, expiresAt: toIso(previous.expiresAt) },
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/keys/me',
    summary: 'The key making the request: its type, bucket, scopes and expiry',
    tag: 'API keys',
    access: { kind: 'key', scope: null, deniedMessage: 'Any valid key may ask about itself' },
    response: { status: 200, schema: ownKeyOut, description: 'The key, without its secret' },
    handler: async ({ key }) => ({ key: toOwnKey(await findOwnKey(key)) }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/keys',
    summary: 'List the organization’s admin keys (prefixes only)',
    tag: 'API keys',
    access: { kind: 'key', scope: 'keys:read', deniedMessage: 'Only Admin keys can list API keys' },
    response: { status: 200, schema: listKeysOut, description: 'The admin keys' },
    handler: async ({ key }) => ({ apiKeys: (await listAdminKeys(key.organizationId)).map(toListedKey) }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/keys',
    summary: 'Create an organization-wide admin key',
    tag: 'API keys',
    access: { kind: 'key', scope: 'keys:write', deniedMessage: 'Only Admin keys can create API keys' },
    request: { body: createAdminKeyBody },
    response: { status: 201, schema: createdKeyResponse, description: 'The new admin key, in plaintext this once' },
    handler: async (request) => {
      const { config } = request.deps;
      const issued = await createAdminKey(request.key.organizationId, request.body, {
        bcryptRounds: config.BCRYPT_ROUNDS,
        maxAdminKeys: config.MAX_ADMIN_KEYS_PER_ORG,
      });
      await recordChange(request, 'key.create', issued.record);
      return { message: created, apiKey: toCreatedKey(issued) };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/keys/:keyId',
    summary: 'Delete an admin key (never the organization’s last one)',
    tag: 'API keys',
    access: { kind: 'key', scope: 'keys:write', deniedMessage: 'Only Admin keys can delete API keys' },
    request: { params: adminKeyParams },
    response: { status: 200, schema: deletedKeyResponse, description: 'The deleted key' },
    handler: async (request) => {
      const record = await deleteAdminKey(request.key.organizationId, request.params.keyId);
      await recordChange(request, 'key.delete', record);
      return deleted(record);
    },
  }),
];
