import { Schema, model, type Types } from 'mongoose';
import { collections } from '../../shared/collections';
import { keyTypes, type KeyType } from '../keys/scopes';

/** What the audit log records (api.md §13); the part before the dot is the target's type. */
export const auditActions = [
  'bucket.create',
  'bucket.update',
  'bucket.delete',
  'key.create',
  'key.delete',
  'key.rotate',
  'source.create',
  'source.update',
  'source.delete',
  'alert.create',
  'alert.update',
  'alert.delete',
  'alert.rotate_secret',
] as const;
export type AuditAction = (typeof auditActions)[number];

export const auditTargetTypes = ['bucket', 'key', 'source', 'alert'] as const;
export type AuditTargetType = (typeof auditTargetTypes)[number];

/**
 * Ids, a prefix and names only: a record never holds a key, a secret or a hash, so the log
 * can be read by every admin key of the organization and kept for a year.
 */
export interface AuditLogRecord {
  _id: Types.ObjectId;
  organizationId: Types.ObjectId;
  action: AuditAction;
  actor: { keyId: Types.ObjectId; keyPrefix: string; type: KeyType };
  target: { type: AuditTargetType; _id: Types.ObjectId; name: string };
  bucketId: Types.ObjectId | null;
  requestId: string;
  ip: string | null;
  at: Date;
}

// `{ type: { type: String } }`: a nested field named `type` must be spelled so, or mongoose takes it for the path's type.
const auditLogSchema = new Schema(
  {
    organizationId: { type: Schema.Types.ObjectId, required: true },
    action: { type: String, enum: auditActions, required: true },
    actor: {
      keyId: { type: Schema.Types.ObjectId, required: true },
      keyPrefix: { type: String, required: true },
      type: { type: String, enum: keyTypes, required: true },
    },
    target: {
      type: { type: String, enum: auditTargetTypes, required: true },
      _id: { type: Schema.Types.ObjectId, required: true },
      name: { type: String, required: true },
    },
    /** The bucket the change happened in; null for admin keys, which belong to no bucket. */
    bucketId: { type: Schema.Types.ObjectId, default: null },
    requestId: { type: String, required: true },
    ip: { type: String, default: null },
    at: { type: Date, required: true },
  },
  { collection: collections.auditLogs, versionKey: false },
);
// The listing: one organization, newest first, optionally one action.
auditLogSchema.index({ organizationId: 1, at: -1, _id: -1 });
auditLogSchema.index({ organizationId: 1, action: 1, at: -1, _id: -1 });
// Retention deletes by age across organizations.
auditLogSchema.index({ at: 1 });

export const AuditLogModel = model('AuditLog', auditLogSchema);
