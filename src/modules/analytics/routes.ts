import { defineRoute } from '../../http/route';
import { bucketAnalytics } from './bucketAnalytics';
import { organizationOverview } from './overview';
import { bucketAnalyticsOut, bucketAnalyticsParams, bucketAnalyticsQuery, overviewOut } from './schemas';

export const analyticsRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/analytics/overview',
    summary: 'Organization totals, API calls this month, storage and recent activity',
    tag: 'Analytics',
    access: { kind: 'key', scope: 'analytics:read', deniedMessage: 'Only Admin keys can access organization analytics' },
    response: { status: 200, schema: overviewOut, description: 'The organization overview' },
    handler: async ({ key, deps }) => ({ overview: await organizationOverview(key.organizationId, deps) }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/analytics/buckets/:bucketId',
    summary: 'A bucket’s points per source and per hour, field statistics and alert activity over a period',
    tag: 'Analytics',
    access: {
      kind: 'key',
      scope: 'analytics:read',
      deniedMessage: 'Insufficient permissions',
      bucket: { from: 'params', field: 'bucketId' },
    },
    request: { params: bucketAnalyticsParams, query: bucketAnalyticsQuery },
    response: { status: 200, schema: bucketAnalyticsOut, description: 'The bucket’s analytics for the period' },
    handler: async ({ bucket, query, deps }) => ({
      analytics: await bucketAnalytics(bucket, query.period, deps.config.QUERY_MAX_TIME_MS),
    }),
  }),
];
