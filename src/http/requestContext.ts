import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger';

const acceptableRequestId = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * A key pasted into a URL must not reach the logs: key-shaped text keeps its type prefix,
 * and any long base62 run (a secret without its prefix) is dropped. ObjectIds are 24 hex
 * characters and stay readable.
 */
const keyShaped = /dakkio_([a-z])_[0-9A-Za-z]*/gi;
const longSecretRun = /[0-9A-Za-z]{32,}/g;
export const redactPath = (path: string): string => path.replace(keyShaped, 'dakkio_$1_[redacted]').replace(longSecretRun, '[redacted]');

/**
 * Gives every request an id (the caller's X-Request-Id when it is safe to echo), and logs
 * one line per request. Only method, path, status, timing and key id are logged: never
 * headers, bodies or query strings, which may carry keys.
 */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && acceptableRequestId.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      logger.info(
        {
          requestId,
          method: req.method,
          path: redactPath(req.path),
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
          keyId: res.locals.keyId as string | undefined,
        },
        'request',
      );
    });
    next();
  };
}
