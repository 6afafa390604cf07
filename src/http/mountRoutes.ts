import express, { type Express, type Request, type RequestHandler, type Response } from 'express';
import { DomainError } from '../shared/errors';
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
import { mayHoldReservedKeys, parseOrThrow } from './validation';

const jsonTypes = ['application/json', 'application/*+json'];
/** Requests whose raw body could hold __proto__ & co., so only those are walked for them. */
const reservedKeysPossible = new WeakSet<object>();

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/**
 * JSON is UTF-8 (RFC 8259). Other charsets are refused rather than decoded: a UTF-16 or
 * UTF-7 body would reach the parser in a form the reserved-key scan of the raw bytes misses.
 */
function assertUtf8(req: Request): void {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Only UTF-8 JSON bodies are accepted');
  }
}

const notAStream = (): never => {
  throw new Error('openEventStream: only a route whose response mediaType is text/event-stream may open a stream');
};

const runMiddleware = (middleware: RequestHandler, req: Request, res: Response): Promise<void> =>
  new Promise((resolve, reject) => {
    middleware(req, res, (error?: unknown) => (error ? reject(error) : resolve()));
  });

/**
 * Every route runs the same story, in the outcome order of docs/api.md §1: authenticate
 * (401), authorize (403), path IDs (400), a bucket named in the path (404), rate limit
 * (429), then the body (400/413/415; it may name the bucket: 404), then the query and body
 * against their schemas (400), then the use case. A body is read only after the key is
 * checked and only if the key is within its limit, so neither an anonymous nor a throttled
 * caller can make the server inflate and parse a megabyte.
 */
function handlerFor(route: Route, deps: AppDeps, applyRateLimit: ApplyRateLimit, parseJson: RequestHandler) {
  const { access, request } = route;
  const bucketInPath = access.kind === 'key' && access.bucket?.from === 'params' ? access.bucket : undefined;
  const bucketInBody = access.kind === 'key' && access.bucket?.from === 'body' ? access.bucket : undefined;
  const streams = route.response.mediaType === 'text/event-stream';
  return async (req: Request, res: Response): Promise<void> => {
    let key: VerifiedKey | null = null;
    let bucket: BucketRecord | null = null;
    if (access.kind === 'key') refuseKeyInQuery(req);
    const presented = access.kind === 'key' ? presentedKeyOf(req) : null;
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
    }
    // Counted here so every answer below carries the headers; thrown after 403 and 404, which outrank it.
    const rateLimited = route.rateLimited === false ? null : await applyRateLimit(req, res, key ? { keyId: key.id } : { ip: req.ip });
    if (key && access.kind === 'key') authorizeScope(access, key);
    const params = parseOrThrow('params', request.params, req.params);
    if (key && bucketInPath) bucket = await resolveBucket(req, bucketInPath, key, deps.loadBucket, prefetched);
    if (rateLimited) throw rateLimited;
    if (request.body && hasBody(req)) {
      if (!req.is(jsonTypes)) throw new DomainError('UNSUPPORTED_MEDIA_TYPE');
      assertUtf8(req);
      await runMiddleware(parseJson, req, res);
    }
    if (key && bucketInBody) bucket = await resolveBucket(req, bucketInBody, key, deps.loadBucket);

    const query = parseOrThrow('query', request.query, req.query);
    const body = parseOrThrow('body', request.body, req.body ?? {}, reservedKeysPossible.has(req));
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
    const context = { params, query, body, headers, key, bucket, requestId, holdDeadline: hold, openEventStream: eventStream, deps };
    const result = await route.handler(context);
    if (!res.headersSent) res.status(route.response.status).json(result);
  };
}

export function mountRoutes(app: Express, routes: readonly Route[], deps: AppDeps, applyRateLimit: ApplyRateLimit): void {
  const parseJson = express.json({
    limit: deps.config.BODY_LIMIT_BYTES,
    type: jsonTypes,
    strict: true,
    verify: (req, _res, raw) => {
      if (mayHoldReservedKeys(raw)) reservedKeysPossible.add(req);
    },
  });
  for (const route of routes) app[route.method](route.path, handlerFor(route, deps, applyRateLimit, parseJson));
}
