import type { BucketRecord } from './model';

export const toBucketResponse = (bucket: BucketRecord) => ({
  _id: bucket._id.toHexString(),
  name: bucket.name,
  description: bucket.description ?? '',
  retentionDays: bucket.retentionDays,
  organizationId: bucket.organizationId.toHexString(),
  createdAt: bucket.createdAt.toISOString(),
  updatedAt: bucket.updatedAt.toISOString(),
});
