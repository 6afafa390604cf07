import { DomainError } from '../../shared/errors';
import { toObjectId } from '../../shared/objectId';
import { releaseAdminKeyRemoval, reserveAdminKeyRemoval } from '../organizations/adminKeyCounter';
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
  settings: { bcryptRounds: number; maxAdminKeys: number },
) {
  const existing = await ApiKeyModel.countDocuments({ organizationId: toObjectId(organizationId), type: 'admin' });
  if (existing >= settings.maxAdminKeys) {
    throw new DomainError('LIMIT_REACHED', `An organization may have at most ${settings.maxAdminKeys} admin keys`);
  }
  return issueKey({ organizationId: toObjectId(organizationId), bucketId: null, type: 'admin', ...input }, settings.bcryptRounds);
}

/**
 * Refuses to remove the organization's last working admin key, which would lock the
 * organization out of its own control plane. The organization's admin-key counter is
 * decremented atomically before the delete, so concurrent deletions cannot both remove
 * the last two keys.
 */
export async function deleteAdminKey(organizationId: string, keyId: string): Promise<ApiKeyRecord> {
  const orgId = toObjectId(organizationId);
  const record = await ApiKeyModel.findOne({ _id: toObjectId(keyId), organizationId: orgId, type: 'admin' }).lean<ApiKeyRecord>();
  if (!record) throw new DomainError('API_KEY_NOT_FOUND');
  const otherWorkingAdminKeys = await ApiKeyModel.countDocuments({
    organizationId: orgId,
    type: 'admin',
    _id: { $ne: record._id },
    $or: [{ expiresAt: null }, { expiresAt: { $gt: new Date() } }],
  });
  if (otherWorkingAdminKeys === 0) throw new DomainError('LAST_ADMIN_KEY');
  const countAdminKeys = () => ApiKeyModel.countDocuments({ organizationId: orgId, type: 'admin' });
  if (!(await reserveAdminKeyRemoval(orgId, countAdminKeys))) throw new DomainError('LAST_ADMIN_KEY');
  const { deletedCount } = await ApiKeyModel.deleteOne({ _id: record._id });
  if (deletedCount === 0) {
    await releaseAdminKeyRemoval(orgId);
    throw new DomainError('API_KEY_NOT_FOUND');
  }
  return record;
}
