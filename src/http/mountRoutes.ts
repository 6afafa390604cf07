import type { Express, Request, Response } from 'express';
import type { VerifiedKey } from '../modules/keys/verifyKey';
import type { BucketRecord } from '../modules/buckets/model';
import { authorizeScope, prefetchBucket, resolveBucket } from './accessRules';
import { parseKeyType } from '../modules/keys/keyFormat';
import { authenticate, presentedKeyOf } from './authenticate';
import type { ApplyRateLimit } from './rateLimit';
import type { AppDeps, Route } from './route';
import { openEventStream } from './eventStream';
import { refuseKeyInQuery } from './keyInQuery';
import { holdDeadline } from './requestDeadline';
import { parseOrThrow } from './validation';
import { type BodyReader, createBodyReaders, reservedKeysPossible } from './bodyReaders';
import { influxVersionHeaders } from './influxDialect';

const notAStream = (): never => {
  throw new Error('openEventStream: only a route whose response mediaType is text/event-stream may open a stream');
};

/**
 * Every route runs the same story, in the outcome order of docs/api.md §1: authenticate
 * (401), authorize (403), path IDs (400), a bucket named in the path or query (404), rate limit
 * (429), then the body (400/413/415; it may name the bucket: 404), then the query and body
 * against their schemas (400), then the use case. A body is read only after the key is
 * checked and only if the key is within its limit, so neither an anonymous nor a throttled
 * caller can make the server inflate and parse a megabyte. The route's dialect decides only
 * where the key may be and how errors are written (InfluxDB's routes, api.md §12).
 */
function handlerFor(route: Route, deps: AppDeps, applyRateLimit: ApplyRateLimit, readBody: BodyReader) {
  const { access, request } = route;
  const dialect = route.dialect ?? 'dakkio';
  const bucketInPath = access.kind === 'key' && access.bucket?.from === 'params' ? access.bucket : undefined;
  // A bucket named in the query is resolved with the path's, before the body is read.
  const bucketBeforeBody = access.kind === 'key' && access.bucket?.from !== 'body' ? access.bucket : undefined;
  const bucketInBody = access.kind === 'key' && access.bucket?.from === 'body' ? access.bucket : undefined;
  const streams = route.response.mediaType === 'text/event-stream';
  const text = route.response.mediaType === 'text/plain' ? (route.response.contentType ?? 'text/plain') : undefined;
  const passwordParameter = dialect === 'influx-v1' ? 'p' : undefined;
  return async (req: Request, res: Response): Promise<void> => {
    let key: VerifiedKey | null = null;
    let bucket: BucketRecord | null = null;
    // The metrics label requests with the template, never the URL: ids would make a series each.
    res.locals.routeTemplate = route.path;
    if (dialect !== 'dakkio') {
      res.locals.dialect = dialect;
      res.set(influxVersionHeaders);
    }
    if (access.kind === 'key') refuseKeyInQuery(req, passwordParameter);
    const presented = access.kind === 'key' ? presentedKeyOf(req, dialect) : null;
    const prefetched = bucketInPath && presented ? prefetchBucket(req, bucketInPath, parseKeyType(presented), deps.loadBucket) : undefined;
    if (access.kind === 'key') {
      try {
        key = await authenticate(presented, deps.verifyKey);
      } catch (error) {
        // Failed authentications count against the client IP; past its limit, guessing gets 429.
        throw (await applyRateLimit(req, res, { ip: req.ip })) ?? error;
      }
      res.locals.keyId = key.id;
      deps.recordLastUsed(key.id);
      deps.usage.count(key.organizationId);
    }
    // Counted here so every answer below carries the headers; thrown after 403 and 404, which outrank it.
    const rateLimited = route.rateLimited === false ? null : await applyRateLimit(req, res, key ? { keyId: key.id } : { ip: req.ip });
    if (key && access.kind === 'key') authorizeScope(access, key);
    const params = parseOrThrow('params', request.params, req.params);
    if (key && bucketBeforeBody) bucket = await resolveBucket(req, bucketBeforeBody, key, deps, prefetched);
    if (rateLimited) throw rateLimited;
    const rawBody = request.body ? await readBody(req, res) : {};
    if (key && bucketInBody) bucket = await resolveBucket(req, bucketInBody, key, deps);

    const query = parseOrThrow('query', request.query, req.query);
    const body = parseOrThrow('body', request.body, rawBody, reservedKeysPossible.has(req));
    const headers = parseOrThrow('headers', request.headers, req.headers);
    const requestId = res.locals.requestId as string;
    const hold = holdDeadline(res);
    // Only a stream route gets the means to become one; the JSON routes' hot path pays nothing for it.
    const eventStream = !streams
      ? notAStream
      : () =>
          openEventStream(res, {
            heartbeatMs: deps.config.STREAM_HEARTBEAT_MS,
            maxBufferedBytes: deps.config.STREAM_MAX_BUFFERED_BYTES,
            logger: deps.logger.child({ requestId }),
            onOpen: hold,
          });
    const context = {
      params,
      query,
      body,
      headers,
      key,
      bucket,
      requestId,
      ip: req.ip ?? null,
      holdDeadline: hold,
      openEventStream: eventStream,
      deps,
    };
    const result = await route.handler(context);
    if (res.headersSent) return;
    if (route.response.status === 204) res.status(204).end();
    else if (text) res.status(route.response.status).type(text).send(result);
    else res.status(route.response.status).json(result);
  };
}

export function mountRoutes(app: Express, routes: readonly Route[], deps: AppDeps, applyRateLimit: ApplyRateLimit): void {
  const bodyReaders = createBodyReaders(deps.config);
  for (const route of routes) {
    app[route.method](route.path, handlerFor(route, deps, applyRateLimit, bodyReaders[route.request.bodyFormat ?? 'json']));
  }
}
