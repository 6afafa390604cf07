import type { Request, Response } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import { DomainError } from '../shared/errors';

export interface RateLimitOptions {
  windowMs: number;
  perKey: number;
  perIp: number;
  /** Defaults to express-rate-limit's in-process memory store; pass a shared one for several instances. */
  store?: Store;
}

/** Who a request is counted against: its key, or its client IP when it has no valid key. */
export type RateLimitSubject = { keyId: string } | { ip: string | undefined };

/**
 * Counts the request and sets the X-RateLimit-* headers. Resolves to the 429 error when the
 * subject is over its limit, for the caller to throw once the checks that outrank 429 passed.
 */
export type ApplyRateLimit = (req: Request, res: Response, subject: RateLimitSubject) => Promise<DomainError | null>;

const subjectProperty = Symbol('rateLimitSubject');
type RequestWithSubject = Request & { [subjectProperty]?: string };

export function createRateLimiter(options: RateLimitOptions): ApplyRateLimit {
  const limiter = rateLimit({
    windowMs: options.windowMs,
    limit: (req) => ((req as RequestWithSubject)[subjectProperty]?.startsWith('key:') ? options.perKey : options.perIp),
    keyGenerator: (req) => (req as RequestWithSubject)[subjectProperty] ?? 'ip:unknown',
    standardHeaders: false,
    legacyHeaders: true,
    store: options.store,
    // The subject is computed by us (ipKeyGenerator for IPs), so the library's guesses do not apply.
    validate: { keyGeneratorIpFallback: false, xForwardedForHeader: false, trustProxy: false },
    handler: (req, _res, next) => {
      const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime ?? new Date();
      next(new DomainError('RATE_LIMITED', `Rate limit exceeded. Resets at ${resetTime.toISOString()}`));
    },
  });

  return (req, res, subject) => {
    (req as RequestWithSubject)[subjectProperty] =
      'keyId' in subject ? `key:${subject.keyId}` : `ip:${ipKeyGenerator(subject.ip ?? 'unknown')}`;
    return new Promise<DomainError | null>((resolve, reject) => {
      const done = (error?: unknown) => {
        if (error instanceof DomainError) resolve(error);
        else if (error) reject(error);
        else resolve(null);
      };
      Promise.resolve(limiter(req, res, done)).catch(reject);
    });
  };
}
