import { z } from 'zod';
import { objectIdParam } from '../../shared/schemas';
import { periods } from './bucketAnalytics';

const nullableCount = z.number().nullable();

export const overviewOut = z.object({
  overview: z.object({
    organization: z.object({ _id: z.string(), name: z.string() }),
    totals: z.object({ buckets: z.number(), dataSources: z.number(), dataPoints: z.number(), alertRules: z.number(), apiKeys: z.number() }),
    usage: z.object({
      apiCallsThisMonth: z.number().nullable().describe('null when the server runs with USAGE_METERING=false'),
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

export const bucketAnalyticsParams = z.strictObject({ bucketId: objectIdParam('bucket') });
export const bucketAnalyticsQuery = z.strictObject({
  period: z
    .enum(Object.keys(periods) as [keyof typeof periods, ...(keyof typeof periods)[]])
    .default('7d')
    .describe('24h, 7d, 30d or 90d'),
});

const fieldStats = z.record(z.string(), z.number());
export const bucketAnalyticsOut = z.object({
  analytics: z.object({
    bucket: z.object({ _id: z.string(), name: z.string() }),
    period: z.enum(Object.keys(periods) as [string, ...string[]]),
    summary: z.object({
      totalDataPoints: z.number(),
      dataPointsInPeriod: z.number(),
      avgDataPointsPerDay: z.number(),
      dataSources: z.number(),
      activeAlerts: z.number(),
    }),
    dataSourceStats: z.array(
      z.object({
        _id: z.string(),
        name: z.string(),
        dataPointCount: z.number(),
        lastDataPoint: z.string().nullable(),
        avgValues: fieldStats,
        minValues: fieldStats,
        maxValues: fieldStats,
      }),
    ),
    ingestionRate: z.object({ dataPointsPerHour: z.array(z.object({ hour: z.string(), count: z.number() })) }),
    alertActivity: z.object({
      totalTriggered: z.number(),
      byRule: z.array(z.object({ _id: z.string(), name: z.string(), count: z.number() })),
    }),
  }),
});
