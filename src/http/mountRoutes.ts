import express, { type Express, type Request, type RequestHandler, type Response } from 'express';
import { DomainError } from '../shared/errors';
import type { VerifiedKey } from '../modules/keys/verifyKey';
import type { BucketRecord } from '../modules/buckets/model';
import { authorizeScope, prefetchBucket, resolveBucket } from './accessRules';
import { parseKeyType } from '../modules/keys/keyFormat';
import { authenticate, presentedKeyOf } from './authenticate';
import type { ApplyRateLimit } from './rateLimit';
import type { AppDeps, Route } from './route';
import { mayHoldReservedKeys, parseOrThrow } from './validation';

const jsonTypes = ['application/json', 'application/*+json'];
/** Requests whose raw body could hold __proto__ & co., so only those are walked for them. */
const reservedKeysPossible = new WeakSet<object>();

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/**
 * Every route runs the same story, in the outcome order of api.md §1:
 * authenticate (401), authorize (403), path IDs (400), body parsing (400/413/415; a
 * bucket may be named in the body), bucket (404), rate limit (429), then the request's
 * query and body against their schemas (400), then the use case. Bodies are read only
 * after the key is checked, so an anonymous caller cannot make the server parse 1 MB.
 */
const runMiddleware = (middleware: RequestHandler, req: Request, res: Response): Promise<void> =>
  new Promise((resolve, reject) => {
    middleware(req, res, (error?: unknown) => (error ? reject(error) : resolve()));
  });

function handlerFor(route: Route, deps: AppDeps, applyRateLimit: ApplyRateLimit, parseJson: RequestHandler) {
  const { access, request } = route;
  return async (req: Request, res: Response): Promise<void> => {
    let key: VerifiedKey | null = null;
    let bucket: BucketRecord | null = null;
    const presented = access.kind === 'key' ? presentedKeyOf(req) : null;
    const prefetched =
      access.kind === 'key' && access.bucket && presented
        ? prefetchBucket(req, access.bucket, parseKeyType(presented), deps.loadBucket)
        : undefined;
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
    const rateLimited = await applyRateLimit(req, res, key ? { keyId: key.id } : { ip: req.ip });
    if (key && access.kind === 'key') authorizeScope(access, key);
    const params = parseOrThrow('params', request.params, req.params);
    if (request.body && hasBody(req)) {
      if (!req.is(jsonTypes)) throw new DomainError('UNSUPPORTED_MEDIA_TYPE');
      await runMiddleware(parseJson, req, res);
    }
    if (key && access.kind === 'key' && access.bucket) bucket = await resolveBucket(req, access.bucket, key, deps.loadBucket, prefetched);
    if (rateLimited) throw rateLimited;

    const query = parseOrThrow('query', request.query, req.query);
    const body = parseOrThrow('body', request.body, req.body ?? {}, reservedKeysPossible.has(req));
    const headers = parseOrThrow('headers', request.headers, req.headers);
    const requestId = res.locals.requestId as string;
    const result = await route.handler({ params, query, body, headers, key, bucket, requestId, deps });
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
