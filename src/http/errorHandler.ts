import type { ErrorRequestHandler } from 'express';
import { isDatabaseUnavailable } from '../db/isDatabaseUnavailable';
import type { Logger } from '../logger';
import { DomainError, isDomainError } from '../shared/errors';
import { httpErrorByCode } from './errorMapping';
import { publicErrorBody } from './errorBody';
import { influxErrorBody } from './influxDialect';
import type { Dialect } from './route';

interface BodyParserError {
  type: string;
}
const isBodyParserError = (error: unknown): error is BodyParserError =>
  typeof error === 'object' && error !== null && typeof (error as BodyParserError).type === 'string';

const isClientBodyError = (error: unknown): boolean => {
  const { status, code } = (error ?? {}) as { status?: unknown; code?: unknown };
  return typeof status === 'number' && status >= 400 && status < 500 && typeof code === 'string' && code.startsWith('Z_');
};

function toDomainError(error: unknown, bodyLimitBytes: number): DomainError {
  if (isDomainError(error)) return error;
  if (isDatabaseUnavailable(error)) return new DomainError('DATABASE_UNAVAILABLE');
  if (isBodyParserError(error)) {
    switch (error.type) {
      case 'entity.parse.failed':
        return new DomainError('MALFORMED_JSON');
      case 'entity.too.large':
        return new DomainError('PAYLOAD_TOO_LARGE', `Request body exceeds the limit of ${bodyLimitBytes} bytes`);
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported body encoding or charset');
      case 'request.aborted':
      case 'request.size.invalid':
      case 'stream.encoding.set':
        return new DomainError('VALIDATION_FAILED', 'Request body could not be read');
    }
  }
  // body-parser passes zlib's errors on (a corrupt gzip body) with a 4xx status but no type.
  if (isClientBodyError(error)) return new DomainError('VALIDATION_FAILED', 'Request body could not be decompressed');
  // The router cannot percent-decode a path parameter such as "%E0%A4%A".
  if (error instanceof URIError) return new DomainError('VALIDATION_FAILED', 'Malformed percent-encoding in the path');
  return new DomainError('INTERNAL');
}

export function createErrorHandler(logger: Logger, bodyLimitBytes: number): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    // A request that already timed out got its answer; whatever its handler threw later is only logged.
    if (res.headersSent) {
      if (res.locals.timedOut) return logger.warn({ requestId: res.locals.requestId as string }, 'request finished after its deadline');
      return next(error);
    }
    const domainError = toDomainError(error, bodyLimitBytes);
    const mapped = httpErrorByCode[domainError.code];
    // For the metrics, which count database errors and tell the 429s' limits apart.
    res.locals.errorCode = domainError.code;
    const requestId = res.locals.requestId as string | undefined;
    if (mapped.status >= 500) {
      logger.error(
        {
          requestId,
          code: domainError.code,
          err: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error),
        },
        'request failed',
      );
    }
    if (mapped.retryAfterSeconds) res.setHeader('Retry-After', String(mapped.retryAfterSeconds));
    const body = publicErrorBody(domainError);
    // Set by the route that failed; errors before any route (404, bad path) speak dakkio.
    const dialect = (res.locals.dialect as Dialect | undefined) ?? 'dakkio';
    if (dialect !== 'dakkio') {
      res.status(mapped.status).json(influxErrorBody(dialect, mapped.status, domainError, body.message));
      return;
    }
    res.status(mapped.status).json({ ...body, requestId });
  };
}
