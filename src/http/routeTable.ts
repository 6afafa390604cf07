import { alertRoutes } from '../modules/alerts/routes';
import { analyticsRoutes } from '../modules/analytics/routes';
import { auditRoutes } from '../modules/audit/routes';
import { deliveryRoutes } from '../modules/alerts/deliveryRoutes';
import { bucketRoutes } from '../modules/buckets/routes';
import { keyRoutes } from '../modules/keys/routes';
import { metricsRoutes } from '../modules/metrics/routes';
import { ingestRoutes } from '../modules/ingest/routes';
import { lineProtocolRoutes } from '../modules/lineProtocol/routes';
import { influxqlRoutes } from '../modules/influxql/routes';
import { pointRoutes } from '../modules/points/routes';
import { queryRoutes } from '../modules/query/routes';
import { serviceRoutes } from '../modules/service/routes';
import { sourceRoutes } from '../modules/sources/routes';
import { streamRoutes } from '../modules/stream/routes';
import { openApiRoute } from './openApiDocument';
import type { Route } from './route';

/**
 * Every route the server answers, with its access rule, schemas and handler. The router,
 * the access checks, the OpenAPI document and the access-matrix test all read this.
 */
export const routeTable: readonly Route[] = [
  // Express tries routes in order: the data plane's hot paths go first.
  ...ingestRoutes,
  ...lineProtocolRoutes,
  ...queryRoutes,
  ...influxqlRoutes,
  ...streamRoutes,
  ...pointRoutes,
  ...sourceRoutes,
  ...alertRoutes,
  ...deliveryRoutes,
  ...bucketRoutes,
  ...keyRoutes,
  ...analyticsRoutes,
  ...auditRoutes,
  ...serviceRoutes,
  ...metricsRoutes,
  openApiRoute(() => routeTable),
];
