import type { Request, RequestHandler } from 'express';
import type { Metrics } from '../modules/metrics/metrics';
import type { ErrorCode } from '../shared/errors';

/** The pages mounted beside the route table (docs, dashboard) have Express's own route path. */
const expressRoutePath = (req: Request): string | undefined => {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? path : undefined;
};

/**
 * Counts and times every request once it is answered, labelled with the route template the
 * route table gave it (`res.locals.routeTemplate`, set by mountRoutes) or `unmatched`:
 * never the URL, whose ids and typos would make a series each. Mounted first, so 404s and
 * errors answered before any route are counted too.
 */
export function requestMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      metrics.requestFinished({
        method: req.method,
        route: (res.locals.routeTemplate as string | undefined) ?? expressRoutePath(req) ?? 'unmatched',
        status: res.statusCode,
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        errorCode: res.locals.errorCode as ErrorCode | undefined,
      });
    });
    next();
  };
}
