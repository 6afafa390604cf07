import type { DomainError, ValidationIssue } from '../shared/errors';
import type { Dialect } from './route';

/** What `/ping` and every InfluxDB route report: the 1.x API level dakkio answers to. */
export const influxVersionHeaders = { 'X-Influxdb-Version': '1.8.10', 'X-Influxdb-Build': 'dakkio' } as const;

/** InfluxDB 2.x error codes by status (its `influxDBErrorToStatusCode` read backwards). */
const v2CodeByStatus: Record<number, string> = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not found',
  405: 'method not allowed',
  413: 'request too large',
  415: 'unsupported media type',
  429: 'too many requests',
  503: 'unavailable',
};

/** The messages InfluxDB's own clients and users know for these; others keep dakkio's. */
const influxMessages: Partial<Record<DomainError['code'], Record<'influx-v1' | 'influx-v2', string>>> = {
  UNAUTHORIZED: { 'influx-v1': 'authorization failed', 'influx-v2': 'unauthorized access' },
  PAYLOAD_TOO_LARGE: { 'influx-v1': 'Request Entity Too Large', 'influx-v2': 'unable to read data: points batch is too large' },
};

/** The first bad line's number, which the 2.x body reports as `line`: rejected lines' issues are at ['body', line]. */
const firstLineOf = (details: ValidationIssue[] | undefined): number | undefined => {
  const line = details?.[0]?.path[1];
  return typeof line === 'number' ? line : undefined;
};

/** With no message of its own, a validation error says what its details say: these bodies have no `details`. */
const detailsText = (error: DomainError): string | undefined =>
  error.message === error.code && error.details?.length ? error.details.map((detail) => detail.message).join('; ') : undefined;

/**
 * An error as InfluxDB clients read it (api.md §12): 1.x `{ error }`, 2.x `{ code, message }`
 * plus `line` for rejected lines. `message` is what dakkio's own body would say.
 */
export function influxErrorBody(dialect: Exclude<Dialect, 'dakkio'>, status: number, error: DomainError, message: string) {
  const text = influxMessages[error.code]?.[dialect] ?? detailsText(error) ?? message;
  if (dialect === 'influx-v1') return { error: text };
  const line = error.code === 'LINES_REJECTED' ? firstLineOf(error.details) : undefined;
  return { code: v2CodeByStatus[status] ?? 'internal error', message: text, ...(line === undefined ? {} : { line }) };
}
