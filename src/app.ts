import express, { type Express } from 'express';
import { DomainError } from './shared/errors';
import { corsFor } from './http/cors';
import { mountDashboardPage } from './http/dashboardPage';
import { mountDocsPage } from './http/docsPage';
import { securityHeaders } from './http/securityHeaders';
import { createErrorHandler } from './http/errorHandler';
import { mountRoutes } from './http/mountRoutes';
import { createRateLimiter } from './http/rateLimit';
import { requestContext } from './http/requestContext';
import { requestDeadline } from './http/requestDeadline';
import { requestMetrics } from './http/requestMetrics';
import type { AppDeps } from './http/route';
import { routeTable } from './http/routeTable';

/** Builds the HTTP application; listening is main.ts's job. */
export function buildApp(deps: AppDeps): Express {
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY);
  app.set('query parser', 'simple');

  if (deps.metrics) app.use(requestMetrics(deps.metrics));
  app.use(requestContext(deps.logger));
  app.use(requestDeadline(config.REQUEST_TIMEOUT_MS));
  app.use(securityHeaders(config.TLS_TERMINATED));
  const allowCrossOrigin = corsFor(config.CORS_ORIGINS);
  if (allowCrossOrigin) app.use('/api', allowCrossOrigin);

  const applyRateLimit = createRateLimiter({
    windowMs: config.RATE_LIMIT_WINDOW_MS,
    perKey: config.RATE_LIMIT_PER_KEY,
    perIp: config.RATE_LIMIT_PER_IP,
    store: deps.rateLimitStore,
  });
  // Straight on the app: a nested Router would add a dispatch layer to every request.
  mountRoutes(app, routeTable, deps, applyRateLimit);
  mountDocsPage(app);
  mountDashboardPage(app);

  app.use(() => {
    throw new DomainError('ROUTE_NOT_FOUND');
  });
  app.use(createErrorHandler(deps.logger, config.BODY_LIMIT_BYTES));
  return app;
}
