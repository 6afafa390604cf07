import type { RequestHandler, Response } from 'express';
import { DomainError } from '../shared/errors';

/** Once held, the deadline no longer answers: the request's write was sent and its outcome is owed. */
export const holdDeadline = (res: Response) => () => {
  res.locals.deadlineHeld = true;
};

/**
 * No request hangs: one still unanswered after `timeoutMs` gets 503 with Retry-After,
 * unless it already sent a write. A 503 for a stored point would make a retrying client
 * store it twice, so a request that sent a write waits for the database's answer, which
 * the driver bounds.
 */
export function requestDeadline(timeoutMs: number): RequestHandler {
  return (_req, res, next) => {
    const timer = setTimeout(() => {
      if (res.headersSent || res.locals.deadlineHeld) return;
      res.locals.timedOut = true;
      next(new DomainError('REQUEST_TIMED_OUT'));
    }, timeoutMs);
    timer.unref();
    res.on('close', () => clearTimeout(timer));
    next();
  };
}
