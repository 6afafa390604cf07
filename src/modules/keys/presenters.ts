import { toIso } from '../../shared/time';
import type { ApiKeyRecord } from './model';
import { defaultScopes, type KeyType, type Scope } from './scopes';
import type { IssuedKey } from './issueKey';

const effectiveScopes = (record: ApiKeyRecord): Scope[] =>
  record.scopes && record.scopes.length > 0 ? (record.scopes as Scope[]) : [...defaultScopes[record.type as KeyType]];

/** The listing view: never the key, never a hash, only the prefix. */
export const toListedKey = (record: ApiKeyRecord) => ({
  _id: record._id.toHexString(),
  name: record.name,
  type: record.type as KeyType,
  keyPrefix: record.keyPrefix,
  bucketId: record.bucketId ? record.bucketId.toHexString() : null,
  scopes: effectiveScopes(record),
  expiresAt: toIso(record.expiresAt),
  createdAt: record.createdAt.toISOString(),
  lastUsedAt: toIso(record.lastUsedAt),
});

/** A key's view of itself (GET /api/keys/me): what it is and what it reaches. */
export const toOwnKey = (record: ApiKeyRecord) => {
  const { createdAt: _createdAt, lastUsedAt: _lastUsedAt, ...listed } = toListedKey(record);
  return { ...listed, organizationId: record.organizationId.toHexString() };
};

/** The create view: the only response that ever carries the plaintext. */
export const toCreatedKey = ({ record, plaintext }: IssuedKey) => ({
  _id: record._id.toHexString(),
  name: record.name,
  type: record.type as KeyType,
  key: plaintext,
  keyPrefix: record.keyPrefix,
  bucketId: record.bucketId ? record.bucketId.toHexString() : null,
  scopes: effectiveScopes(record),
  expiresAt: toIso(record.expiresAt),
  createdAt: record.createdAt.toISOString(),
});
