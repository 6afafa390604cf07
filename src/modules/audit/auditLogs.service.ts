import { toObjectId } from '../../shared/objectId';
import { AuditLogModel, type AuditAction, type AuditLogRecord } from './model';

export interface AuditLogQuery {
  limit: number;
  offset: number;
  action?: AuditAction;
  since?: Date;
}

/** One organization's records, newest first: a key reads only its own organization's history. */
export async function listAuditLogs(organizationId: string, { limit, offset, action, since }: AuditLogQuery) {
  const filter = {
    organizationId: toObjectId(organizationId),
    ...(action ? { action } : {}),
    ...(since ? { at: { $gte: since } } : {}),
  };
  const [auditLogs, total] = await Promise.all([
    AuditLogModel.find(filter).sort({ at: -1, _id: -1 }).skip(offset).limit(limit).lean<AuditLogRecord[]>(),
    AuditLogModel.countDocuments(filter),
  ]);
  return { auditLogs, pagination: { limit, offset, total, hasMore: offset + auditLogs.length < total } };
}

/**
 * Removes records older than the retention, across organizations. A delete by age is
 * idempotent, so every instance may run it; records of deleted buckets stay until then,
 * as the organization's history.
 */
export const deleteOldAuditLogs = async (days: number, now = Date.now()) =>
  (await AuditLogModel.deleteMany({ at: { $lt: new Date(now - days * 86_400_000) } })).deletedCount;
