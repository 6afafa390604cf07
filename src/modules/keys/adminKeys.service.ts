import { DomainError } from '../../shared/errors';
import { toObjectId } from '../../shared/objectId';
import { issueKey } from './issueKey';
import { ApiKeyModel, type ApiKeyRecord } from './model';

export async function listAdminKeys(organizationId: string): Promise<ApiKeyRecord[]> {
  return ApiKeyModel.find({ organizationId: toObjectId(organizationId), type: 'admin' })
    .sort({ createdAt: 1, _id: 1 })
    .lean<ApiKeyRecord[]>();
}

export async function createAdminKey(
  organizationId: string,
  input: { name: string; expiresAt?: Date },
  bcryptRounds: number,
) {
  return issueKey(
    { organizationId: toObjectId(organizationId), bucketId: null, type: 'admin', ...input },
    bcryptRounds,
  );
}

/**
 * Refuses to remove the organization's last working admin key, which would lock the
 * organization out of its own control plane. Two concurrent deletes of the last two keys
 * can both pass this check (no transactions on every supported database); bootstrap or
 * `npm run create-admin-key` recovers from that.
 */
export async function deleteAdminKey(organizationId: string, keyId: string): Promise<ApiKeyRecord> {
  const orgId = toObjectId(organizationId);
  const record = await ApiKeyModel.findOne({ _id: toObjectId(keyId), organizationId: orgId, type: 'admin' })
    .lean<ApiKeyRecord>();
  if (!record) throw new DomainError('API_KEY_NOT_FOUND');
  const otherWorkingAdminKeys = await ApiKeyModel.countDocuments({
    organizationId: orgId,
    type: 'admin',
    _id: { $ne: record._id },
    $or: [{ expiresAt: null }, { expiresAt: { $gt: new Date() } }],
  });
  if (otherWorkingAdminKeys === 0) throw new DomainError('LAST_ADMIN_KEY');
  await ApiKeyModel.deleteOne({ _id: record._id });
  return record;
}
