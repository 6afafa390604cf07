import { Types } from 'mongoose';
import { BucketModel } from './model';

export interface VisibleBucket {
  _id: Types.ObjectId;
  name: string;
  retentionDays: number;
}

/** The buckets a key may read, oldest first: its own bucket, or for an organization-wide key all of its organization's; none being deleted. */
export function bucketsVisibleTo(key: { organizationId: string; bucketId: string | null }, maxTimeMS: number): Promise<VisibleBucket[]> {
  const filter = {
    organizationId: new Types.ObjectId(key.organizationId),
    deletingAt: null,
    ...(key.bucketId ? { _id: new Types.ObjectId(key.bucketId) } : {}),
  };
  return BucketModel.find(filter).sort({ createdAt: 1, _id: 1 }).select('name retentionDays').maxTimeMS(maxTimeMS).lean<VisibleBucket[]>();
}
