import { z } from 'zod';
import { defineRoute } from '../../http/route';
import { DomainError } from '../../shared/errors';
import { presentsMetricsToken } from './metricsToken';

const scrapeHeaders = z.object({
  authorization: z.string().optional().describe('`Bearer <METRICS_TOKEN>`, required when the server sets METRICS_TOKEN'),
});

export const metricsRoutes = [
  defineRoute({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics of this instance (401 without the bearer token when METRICS_TOKEN is set; 404 with METRICS_ENABLED=false)',
    tag: 'Service',
    // Not an API key: Prometheus holds a token of its own, so the route is public to the key
    // checks and the handler asks for METRICS_TOKEN. Scrapes are never rate-limited, like probes.
    access: { kind: 'public' },
    rateLimited: false,
    alsoThrows: ['UNAUTHORIZED', 'ROUTE_NOT_FOUND'],
    request: { headers: scrapeHeaders },
    response: {
      status: 200,
      schema: z.string(),
      description: 'Prometheus text exposition format 0.0.4',
      mediaType: 'text/plain',
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
    },
    handler: async ({ headers, deps }) => {
      if (!deps.metrics) throw new DomainError('ROUTE_NOT_FOUND');
      const token = deps.config.METRICS_TOKEN;
      if (token !== undefined && !presentsMetricsToken(headers.authorization, token)) throw new DomainError('UNAUTHORIZED');
      return deps.metrics.register.metrics();
    },
  }),
];
