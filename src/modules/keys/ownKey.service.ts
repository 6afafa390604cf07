import { DomainError } from '../../shared/errors';
import { toObjectId } from '../../shared/objectId';
import { ApiKeyModel, type ApiKeyRecord } from './model';
import type { VerifiedKey } from './verifyKey';

/** The key that made the request, as stored: what a dashboard or CLI shows about a pasted key. */
export async function findOwnKey(key: VerifiedKey): Promise<ApiKeyRecord> {
  const record = await ApiKeyModel.findById(toObjectId(key.id)).lean<ApiKeyRecord>();
  // Deleted between its verification and this read.
  if (!record) throw new DomainError('API_KEY_NOT_FOUND');
  return record;
}
