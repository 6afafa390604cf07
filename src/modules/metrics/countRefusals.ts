import { type ErrorCode, isDomainError } from '../../shared/errors';
import type { Transport } from '../ingest/pointsCommitted';
import type { Metrics } from './metrics';

/** The database did not take the points (or something broke); anything else refused the request's points. */
const failureCodes = new Set<ErrorCode>(['DATABASE_UNAVAILABLE', 'REQUEST_TIMED_OUT', 'INTERNAL']);

/**
 * Runs an ingest and, if it throws, counts its points as refused (they were invalid, or named
 * a source or bucket that is not there) or failed (the database). Stored points are counted
 * from the points-committed event instead, so they are never counted twice.
 */
export async function countingRefusals<T>(metrics: Metrics, transport: Transport, points: number, ingest: () => Promise<T>): Promise<T> {
  try {
    return await ingest();
  } catch (error) {
    const failed = !isDomainError(error) || failureCodes.has(error.code);
    metrics.pointsIngested(transport, failed ? 'failed' : 'refused', points);
    throw error;
  }
}
