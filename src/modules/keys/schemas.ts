import { z } from 'zod';
import { futureDateTime, nameField, objectIdParam } from '../../shared/schemas';
import { allScopes, keyTypes } from './scopes';

export const bucketKeyParams = z.strictObject({
  bucketId: objectIdParam('bucket'),
  keyId: objectIdParam('key'),
});
export const adminKeyParams = z.strictObject({ keyId: objectIdParam('key') });

export const createBucketKeyBody = z.strictObject({
  name: nameField,
  type: z.enum(['write', 'read']),
  expiresAt: futureDateTime.optional(),
  scopes: z.array(z.enum(allScopes)).min(1).max(allScopes.length).optional(),
});

export const createAdminKeyBody = z.strictObject({
  name: nameField,
  expiresAt: futureDateTime.optional(),
});

export const rotateKeyBody = z.strictObject({
  gracePeriodSeconds: z.number().int().min(0).max(86_400).default(0),
});

const listedKeyOut = z.object({
  _id: z.string(),
  name: z.string(),
  type: z.enum(keyTypes),
  keyPrefix: z.string(),
  bucketId: z.string().nullable(),
  scopes: z.array(z.enum(allScopes)),
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});

const createdKeyOut = listedKeyOut.omit({ lastUsedAt: true }).extend({
  key: z.string().describe('The plaintext key. Shown only in this response.'),
});

export const ownKeyOut = z.object({
  key: listedKeyOut.pick({ _id: true, name: true, type: true, keyPrefix: true, bucketId: true, scopes: true, expiresAt: true }).extend({
    organizationId: z.string(),
  }),
});
export const listKeysOut = z.object({ apiKeys: z.array(listedKeyOut) });
export const createdKeyResponse = z.object({ message: z.string(), apiKey: createdKeyOut });
export const rotatedKeyResponse = createdKeyResponse.extend({
  previousKey: z.object({
    _id: z.string(),
    expiresAt: z.string().nullable().describe('When the old key stops working; null when it was deleted at once'),
  }),
});
export const deletedKeyResponse = z.object({
  message: z.string(),
  deletedKey: z.object({ _id: z.string(), name: z.string(), type: z.enum(keyTypes) }),
});
