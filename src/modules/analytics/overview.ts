import type { Config } from '../../config';
import type { UsageMeter } from '../usage/usageMeter';
import { organizationFigures } from './organizationFigures';
import { organizationName } from '../organizations/organizationName';

/** The highest retention a bucket may have (buckets' schema). */
const maxRetentionDays = 3650;

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** The story of GET /api/analytics/overview: the organization, its totals, its usage this month against the configured limits, and recent activity. */
export async function organizationOverview(
  organizationId: string,
  ports: { usage: UsageMeter; config: Pick<Config, 'API_CALLS_MONTHLY_LIMIT' | 'QUERY_MAX_TIME_MS'> },
) {
  const now = new Date();
  const [name, figures, apiCallsThisMonth] = await Promise.all([
    organizationName(organizationId, ports.config.QUERY_MAX_TIME_MS),
    organizationFigures(organizationId, now, ports.config.QUERY_MAX_TIME_MS),
    ports.usage.apiCallsThisMonth(organizationId, now),
  ]);
  const limit = ports.config.API_CALLS_MONTHLY_LIMIT ?? null;
  return {
    organization: { _id: organizationId, name },
    totals: figures.totals,
    usage: {
      apiCallsThisMonth,
      apiCallsLimit: limit,
      apiCallsPercentage: limit === null || apiCallsThisMonth === null ? null : Math.round((apiCallsThisMonth / limit) * 10_000) / 100,
      storageUsedBytes: figures.storageUsedBytes,
      storageUsedFormatted: formatBytes(figures.storageUsedBytes),
    },
    plan: { name: 'Self-hosted' as const, maxBuckets: null, maxRetentionDays, maxApiCalls: limit },
    recentActivity: {
      lastDataIngestion: figures.lastDataIngestion?.toISOString() ?? null,
      lastAlertTriggered: figures.lastAlertTriggered?.toISOString() ?? null,
      dataPointsLast24h: figures.dataPointsLast24h,
      alertsTriggeredLast24h: figures.alertsTriggeredLast24h,
    },
  };
}
