import { z } from 'zod';
import { nameField, objectIdParam, paginationOut, timestampsOut } from '../../shared/schemas';

const retentionDays = z.number().int().min(1).max(3650);
const description = z.string().max(1000, 'Must be at most 1000 characters');

export const bucketParams = z.strictObject({ bucketId: objectIdParam('bucket') });

export const createBucketBody = z.strictObject({
  name: nameField,
  description: description.default(''),
  retentionDays: retentionDays.default(365),
});

export const updateBucketBody = z.strictObject({
  name: nameField.optional(),
  description: description.optional(),
  retentionDays: retentionDays.optional(),
});

export const bucketOut = z.object({
  _id: z.string(),
  name: z.string(),
  description: z.string(),
  retentionDays: z.number(),
  organizationId: z.string(),
  ...timestampsOut,
});

export const bucketStatsOut = z.object({
  dataSourceCount: z.number(),
  dataPointCount: z.number(),
  apiKeyCount: z.number(),
});

export const listBucketsOut = z.object({ buckets: z.array(bucketOut), pagination: paginationOut });
export const bucketWithStatsOut = z.object({ bucket: bucketOut.extend({ stats: bucketStatsOut }) });
export const bucketMessageOut = z.object({ message: z.string(), bucket: bucketOut });
export const deleteBucketOut = z.object({
  message: z.string(),
  deletedBucket: z.object({ _id: z.string(), name: z.string() }),
  deletedResources: z.object({
    dataSources: z.number(),
    dataPoints: z.number(),
    apiKeys: z.number(),
    alertRules: z.number(),
  }),
});
