import { Types } from 'mongoose';
import type { BucketRecord } from '../buckets/model';
import type { VerifiedKey } from '../keys/verifyKey';
import { AuditLogModel, type AuditAction, type AuditTargetType } from './model';

/** What a request knows about who asks for a change and from where (the route's context has all of it). */
export interface ChangeRequest {
  key: Pick<VerifiedKey, 'id' | 'organizationId' | 'keyPrefix' | 'type'>;
  /** The bucket the request named, if any. */
  bucket: Pick<BucketRecord, '_id'> | null;
  requestId: string;
  ip: string | null;
}

/** The changed thing: only its id and name are read, whatever else the caller's object carries. */
export interface ChangedThing {
  _id: Types.ObjectId | string;
  name: string;
}

/**
 * Records one change in the organization's audit log. Routes call it after the change
 * succeeded and before answering, and wait for it: a change that was acknowledged always has
 * its record. If this write fails the request fails (503) although the change is made; the
 * client sees an error and may look before it retries.
 */
export async function recordChange(request: ChangeRequest, action: AuditAction, target: ChangedThing): Promise<void> {
  const targetType = action.slice(0, action.indexOf('.')) as AuditTargetType;
  const targetId = new Types.ObjectId(target._id);
  await AuditLogModel.create({
    organizationId: new Types.ObjectId(request.key.organizationId),
    action,
    actor: { keyId: new Types.ObjectId(request.key.id), keyPrefix: request.key.keyPrefix, type: request.key.type },
    target: { type: targetType, _id: targetId, name: target.name },
    // A new bucket is not in the request yet; admin keys belong to no bucket (null).
    bucketId: targetType === 'bucket' ? targetId : (request.bucket?._id ?? null),
    requestId: request.requestId,
    ip: request.ip,
    at: new Date(),
  });
}
