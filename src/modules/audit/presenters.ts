import type { AuditLogRecord } from './model';

export const toAuditLogResponse = (record: AuditLogRecord) => ({
  _id: record._id.toHexString(),
  action: record.action,
  actor: { keyId: record.actor.keyId.toHexString(), keyPrefix: record.actor.keyPrefix, type: record.actor.type },
  target: { type: record.target.type, _id: record.target._id.toHexString(), name: record.target.name },
  bucketId: record.bucketId ? record.bucketId.toHexString() : null,
  requestId: record.requestId,
  ip: record.ip,
  at: record.at.toISOString(),
});
