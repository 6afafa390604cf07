/**
 * The closed set of things that can go wrong, named in the language of the domain.
 * Services throw these; only src/http/errorMapping.ts knows which status each becomes.
 */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'INVALID_ID'
  | 'MALFORMED_JSON'
  | 'LINES_REJECTED'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'ROUTE_NOT_FOUND'
  | 'BUCKET_NOT_FOUND'
  | 'API_KEY_NOT_FOUND'
  | 'DATA_SOURCE_NOT_FOUND'
  | 'ALERT_RULE_NOT_FOUND'
  | 'DELIVERY_NOT_FOUND'
  | 'BUCKET_NAME_TAKEN'
  | 'LAST_ADMIN_KEY'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'IDEMPOTENCY_IN_PROGRESS'
  | 'DATA_SOURCE_NAME_TAKEN'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'TOO_MANY_CONCURRENT_QUERIES'
  | 'TOO_MANY_STREAMS'
  | 'QUERY_TOO_EXPENSIVE'
  | 'LIMIT_REACHED'
  | 'API_KEY_EXPIRED'
  | 'DATABASE_UNAVAILABLE'
  | 'REQUEST_TIMED_OUT'
  | 'INTERNAL';

export interface ValidationIssue {
  path: (string | number)[];
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: ValidationIssue[],
  ) {
    super(message ?? code);
    this.name = 'DomainError';
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;
