import { defineRoute } from '../../http/route';
import { organizationOverview } from './overview';
import { overviewOut } from './schemas';

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
];
