import { DomainError } from '../../shared/errors';

export interface QueryLimits {
  maxTimeMS: number;
  maxIntervals: number;
  maxResponseBytes: number;
}

/** What a point or row adds to the JSON response, close enough to cap memory and bytes. */
export const approximateJsonBytes = (item: { values?: unknown; metadata?: unknown }) =>
  120 + JSON.stringify(item.values ?? {}).length + JSON.stringify(item.metadata ?? {}).length;

export const responseTooLarge = (maxResponseBytes: number) =>
  new DomainError(
    'QUERY_TOO_EXPENSIVE',
    `The response would exceed ${maxResponseBytes} bytes: lower filters.limit, ask for fewer fields, or aggregate`,
  );

export const tooManyIntervals = (groupBy: string, intervals: number, maxIntervals: number) =>
  new DomainError(
    'QUERY_TOO_EXPENSIVE',
    `groupBy "${groupBy}" over this range gives ${intervals} intervals, more than the limit of ${maxIntervals}: use a larger groupBy or a narrower range`,
  );
