import { z } from 'zod';

const nullableCount = z.number().nullable();

export const overviewOut = z.object({
  overview: z.object({
    organization: z.object({ _id: z.string(), name: z.string() }),
    totals: z.object({ buckets: z.number(), dataSources: z.number(), dataPoints: z.number(), alertRules: z.number(), apiKeys: z.number() }),
    usage: z.object({
      apiCallsThisMonth: z.number(),
      apiCallsLimit: nullableCount,
      apiCallsPercentage: nullableCount,
      storageUsedBytes: z.number().describe('Estimated: stored points times the average size of the newest 200'),
      storageUsedFormatted: z.string(),
    }),
    plan: z.object({ name: z.literal('Self-hosted'), maxBuckets: nullableCount, maxRetentionDays: z.number(), maxApiCalls: nullableCount }),
    recentActivity: z.object({
      lastDataIngestion: z.string().nullable(),
      lastAlertTriggered: z.string().nullable(),
      dataPointsLast24h: z.number(),
      alertsTriggeredLast24h: z.number(),
    }),
  }),
});
