import cors from 'cors';
import type { RequestHandler } from 'express';

/** What a browser script may read of a response besides the simple headers (api.md §10). */
const exposedHeaders = ['X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After'];
const allowedHeaders = ['X-API-Key', 'Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id', 'Last-Event-ID'];

/**
 * CORS for /api/*, off unless CORS_ORIGINS is set. Keys travel in headers, never cookies, so
 * credentials are never allowed. Preflights are answered here, before authentication.
 */
export function corsFor(origins: '*' | string[] | undefined): RequestHandler | null {
  if (origins === undefined) return null;
  return cors({
    origin: origins === '*' ? '*' : origins,
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders,
    exposedHeaders,
    credentials: false,
    maxAge: 600,
  });
}
