import type { PointsCommittedBus } from '../ingest/pointsCommitted';
import type { Metrics } from './metrics';

/**
 * Stored points are counted from the points-committed event, the one place every transport
 * passes once the database acknowledged them (a replayed Idempotency-Key request stores
 * nothing and publishes nothing). Returns the unsubscribe function.
 */
export function countCommittedPoints(bus: PointsCommittedBus, metrics: Metrics): () => void {
  return bus.subscribe(({ transport, points }) => metrics.pointsIngested(transport, 'stored', points.length));
}
