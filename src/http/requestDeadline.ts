import type { RequestHandler } from 'express';
import { DomainError } from '../shared/errors';

/**
 * No request hangs: one still unanswered after `timeoutMs` gets 503 with Retry-After. The
 * database driver bounds its own waits, so this is the last line for anything that does
 * not end by itself (seen once in ~10 runs of the outage test, for one request).
 */
export function requestDeadline(timeoutMs: number): RequestHandler {
  return (_req, res, next) => {
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      res.locals.timedOut = true;
      next(new DomainError('REQUEST_TIMED_OUT'));
    }, timeoutMs);
    timer.unref();
    res.on('close', () => clearTimeout(timer));
    next();
  };
}
