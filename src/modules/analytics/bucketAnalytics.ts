import type { BucketRecord } from '../buckets/model';
import { alertRulesOf, periodStatsBySource, pointTotalsBySource, receivedPerHour, sourcesOf, triggeredByRule } from './bucketFigures';

export const periods = { '24h': 1, '7d': 7, '30d': 30, '90d': 90 } as const;
export type Period = keyof typeof periods;
const dayMs = 24 * 60 * 60 * 1000;

/**
 * The story of GET /api/analytics/buckets/:bucketId: which sources the bucket has, how many
 * points each holds and holds in the period (by the points' timestamps) with the avg, min
 * and max of each numeric field, how many arrived each hour (by when they were received),
 * and which alerts triggered. Every figure is computed by MongoDB.
 */
export async function bucketAnalytics(bucket: BucketRecord, period: Period, maxTimeMS: number, now = new Date()) {
  const since = new Date(now.getTime() - periods[period] * dayMs);
  const [sources, rules] = await Promise.all([sourcesOf(bucket._id, maxTimeMS), alertRulesOf(bucket._id, maxTimeMS)]);
  const numericFields = [
    ...new Set(
      sources.flatMap((source) =>
        Object.entries(source.schema as Record<string, { type: string }>)
          .filter(([, definition]) => definition.type === 'number')
          .map(([field]) => field),
      ),
    ),
  ];
  const [totals, inPeriod, perHour, triggered] = await Promise.all([
    pointTotalsBySource(bucket._id, maxTimeMS),
    periodStatsBySource(bucket._id, since, numericFields, maxTimeMS),
    receivedPerHour(bucket._id, since, maxTimeMS),
    triggeredByRule(bucket._id, since, maxTimeMS),
  ]);
  const totalOf = new Map(totals.map((row) => [String(row._id), row]));
  const periodOf = new Map(inPeriod.map((row) => [row.sourceId, row]));
  const dataPointsInPeriod = inPeriod.reduce((sum, row) => sum + row.count, 0);
  const byRule = rules
    .map((rule) => ({ _id: rule._id.toHexString(), name: rule.name as string, count: triggered.get(rule._id.toHexString()) ?? 0 }))
    .filter((rule) => rule.count > 0);
  return {
    bucket: { _id: bucket._id.toHexString(), name: bucket.name },
    period,
    summary: {
      totalDataPoints: totals.reduce((sum, row) => sum + (row.count as number), 0),
      dataPointsInPeriod,
      avgDataPointsPerDay: Math.round((dataPointsInPeriod / periods[period]) * 100) / 100,
      dataSources: sources.length,
      activeAlerts: rules.filter((rule) => rule.status === 'active').length,
    },
    dataSourceStats: sources.map((source) => {
      const id = source._id.toHexString();
      const last = totalOf.get(id)?.last as Date | undefined;
      return {
        _id: id,
        name: source.name as string,
        dataPointCount: (totalOf.get(id)?.count as number | undefined) ?? 0,
        lastDataPoint: last ? last.toISOString() : null,
        avgValues: periodOf.get(id)?.avg ?? {},
        minValues: periodOf.get(id)?.min ?? {},
        maxValues: periodOf.get(id)?.max ?? {},
      };
    }),
    ingestionRate: { dataPointsPerHour: perHour },
    alertActivity: { totalTriggered: byRule.reduce((sum, rule) => sum + rule.count, 0), byRule },
  };
}
