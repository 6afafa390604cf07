import bcrypt from 'bcrypt';
import type { Types } from 'mongoose';
import { countAdminKeyAdded } from '../organizations/adminKeyCounter';
import { ApiKeyModel, type ApiKeyRecord } from './model';
import { generateKey, keyPrefixOf, lookupHashOf } from './keyFormat';
import type { KeyType, Scope } from './scopes';

export interface KeyToIssue {
  organizationId: Types.ObjectId;
  bucketId: Types.ObjectId | null;
  name: string;
  type: KeyType;
  scopes?: readonly Scope[] | null;
  expiresAt?: Date | null;
  /** Store this exact key instead of generating one (bootstrap automation). */
  plaintext?: string;
}

export interface IssuedKey {
  record: ApiKeyRecord;
  /** Returned to the caller once and never stored. */
  plaintext: string;
}

export async function issueKey(input: KeyToIssue, bcryptRounds: number): Promise<IssuedKey> {
  const plaintext = input.plaintext ?? generateKey(input.type);
  const created = await ApiKeyModel.create({
    organizationId: input.organizationId,
    bucketId: input.bucketId,
    name: input.name,
    type: input.type,
    keyPrefix: keyPrefixOf(plaintext),
    lookupHash: lookupHashOf(plaintext),
    keyHash: await bcrypt.hash(plaintext, bcryptRounds),
    scopes: input.scopes && input.scopes.length > 0 ? [...input.scopes] : undefined,
    expiresAt: input.expiresAt ?? null,
  });
  if (input.type === 'admin') await countAdminKeyAdded(input.organizationId);
  return { record: created.toObject() as ApiKeyRecord, plaintext };
}
