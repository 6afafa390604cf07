import type { Types } from 'mongoose';
import { DomainError } from '../../shared/errors';
import { assertNoClash, rethrowDuplicateAs } from '../../db/uniqueness';
import { toObjectId } from '../../shared/objectId';
import { BucketModel, type BucketRecord } from './model';

export interface NewBucket {
  name: string;
  description: string;
  retentionDays: number;
}

export async function listBuckets(organizationId: string, page: { limit: number; offset: number }) {
  const filter = { organizationId: toObjectId(organizationId) };
  const [buckets, total] = await Promise.all([
    BucketModel.find(filter).sort({ createdAt: 1, _id: 1 }).skip(page.offset).limit(page.limit).lean<BucketRecord[]>(),
    BucketModel.countDocuments(filter),
  ]);
  return { buckets, pagination: { ...page, total, hasMore: page.offset + buckets.length < total } };
}

const assertNameFree = (organizationId: Types.ObjectId, name: string, exceptId?: Types.ObjectId) =>
  assertNoClash(BucketModel, { organizationId, name }, 'BUCKET_NAME_TAKEN', exceptId);
const rethrowDuplicateAsNameTaken = rethrowDuplicateAs('BUCKET_NAME_TAKEN');

export async function createBucket(organizationId: string, input: NewBucket): Promise<BucketRecord> {
  const orgId = toObjectId(organizationId);
  await assertNameFree(orgId, input.name);
  const created = await BucketModel.create({ organizationId: orgId, ...input }).catch(rethrowDuplicateAsNameTaken);
  return created.toObject() as BucketRecord;
}

export async function updateBucket(bucket: BucketRecord, changes: Partial<NewBucket>): Promise<BucketRecord> {
  if (changes.name !== undefined && changes.name !== bucket.name) {
    await assertNameFree(bucket.organizationId, changes.name, bucket._id);
  }
  const updated = await BucketModel.findOneAndUpdate({ _id: bucket._id }, { $set: changes }, { returnDocument: 'after' })
    .lean<BucketRecord>()
    .catch(rethrowDuplicateAsNameTaken);
  if (!updated) throw new DomainError('BUCKET_NOT_FOUND');
  return updated;
}

/** Buckets that keep points (not being deleted), with their retention. */
export const bucketsForRetention = () =>
  BucketModel.find({ deletingAt: null }).select('retentionDays').lean<Pick<BucketRecord, '_id' | 'retentionDays'>[]>();
