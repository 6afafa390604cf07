import type { ErrorCode } from '../shared/errors';

interface HttpError {
  status: number;
  error: string;
  /** Used when the thrower gives no message of its own. */
  message: string;
  /** 5xx bodies never carry the thrower's message, which may describe internals. */
  exposeMessage: boolean;
  /** Sent as Retry-After: when trying again makes sense. */
  retryAfterSeconds?: number;
}

const retryAfterSecondsWhenUnavailable = 5;

export const httpErrorByCode: Record<ErrorCode, HttpError> = {
  VALIDATION_FAILED: { status: 400, error: 'Validation Error', message: 'Invalid request parameters', exposeMessage: true },
  INVALID_ID: { status: 400, error: 'Validation Error', message: 'Invalid ID format', exposeMessage: true },
  /** Some line-protocol lines were refused (the others were stored); the message lists them in InfluxDB's words. */
  LINES_REJECTED: { status: 400, error: 'Validation Error', message: 'Some lines were refused', exposeMessage: true },
  MALFORMED_JSON: { status: 400, error: 'Validation Error', message: 'Malformed JSON in request body', exposeMessage: true },
  UNAUTHORIZED: { status: 401, error: 'Unauthorized', message: 'Invalid or missing API key', exposeMessage: false },
  FORBIDDEN: { status: 403, error: 'Forbidden', message: 'Insufficient permissions', exposeMessage: true },
  ROUTE_NOT_FOUND: { status: 404, error: 'Not Found', message: 'Route not found', exposeMessage: true },
  BUCKET_NOT_FOUND: { status: 404, error: 'Not Found', message: 'Bucket not found', exposeMessage: false },
  API_KEY_NOT_FOUND: { status: 404, error: 'Not Found', message: 'API key not found', exposeMessage: false },
  DATA_SOURCE_NOT_FOUND: { status: 404, error: 'Not Found', message: 'Data source not found', exposeMessage: false },
  ALERT_RULE_NOT_FOUND: { status: 404, error: 'Not Found', message: 'Alert rule not found', exposeMessage: false },
  DELIVERY_NOT_FOUND: { status: 404, error: 'Not Found', message: 'Delivery not found', exposeMessage: false },
  BUCKET_NAME_TAKEN: { status: 409, error: 'Conflict', message: 'A bucket with this name already exists', exposeMessage: false },
  DATA_SOURCE_NAME_TAKEN: {
    status: 409,
    error: 'Conflict',
    message: 'A data source with this name already exists in this bucket',
    exposeMessage: false,
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 409,
    error: 'Conflict',
    message: 'This Idempotency-Key was already used with a different request',
    exposeMessage: false,
  },
  IDEMPOTENCY_IN_PROGRESS: {
    status: 409,
    error: 'Conflict',
    message: 'A request with this Idempotency-Key is still being processed',
    exposeMessage: false,
  },
  LAST_ADMIN_KEY: { status: 409, error: 'Conflict', message: 'Cannot delete the last admin key', exposeMessage: false },
  API_KEY_EXPIRED: { status: 409, error: 'Conflict', message: 'Cannot rotate an expired API key', exposeMessage: false },
  LIMIT_REACHED: { status: 409, error: 'Conflict', message: 'A configured limit was reached', exposeMessage: true },
  QUERY_TOO_EXPENSIVE: {
    status: 400,
    error: 'Validation Error',
    message: 'The query is too expensive; narrow the time range or aggregate',
    exposeMessage: true,
  },
  PAYLOAD_TOO_LARGE: { status: 413, error: 'Payload Too Large', message: 'Request body is too large', exposeMessage: true },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    error: 'Unsupported Media Type',
    message: 'Content-Type must be application/json',
    exposeMessage: true,
  },
  RATE_LIMITED: { status: 429, error: 'Too Many Requests', message: 'Rate limit exceeded', exposeMessage: true },
  TOO_MANY_CONCURRENT_QUERIES: {
    status: 429,
    error: 'Too Many Requests',
    message: 'Too many queries in progress for this key; wait for one to finish',
    exposeMessage: true,
    retryAfterSeconds: 1,
  },
  TOO_MANY_STREAMS: {
    status: 429,
    error: 'Too Many Requests',
    message: 'Too many open streams',
    exposeMessage: true,
    retryAfterSeconds: 5,
  },
  DATABASE_UNAVAILABLE: {
    status: 503,
    error: 'Service Unavailable',
    message: 'Database unavailable, retry later',
    exposeMessage: false,
    retryAfterSeconds: retryAfterSecondsWhenUnavailable,
  },
  REQUEST_TIMED_OUT: {
    status: 503,
    error: 'Service Unavailable',
    message: 'The request took too long, retry later',
    exposeMessage: false,
    retryAfterSeconds: retryAfterSecondsWhenUnavailable,
  },
  INTERNAL: { status: 500, error: 'Internal Server Error', message: 'An unexpected error occurred', exposeMessage: false },
};
