import type { Logger } from '../../logger';
import type { DataPointRecord } from '../points/model';

/** How the points arrived; consumers count and label by it. */
export type Transport = 'http' | 'http-batch' | 'line-protocol' | 'mqtt';

/** Published once per request whose points the database acknowledged (never for a replay). */
export interface PointsCommitted {
  bucketId: string;
  transport: Transport;
  points: readonly DataPointRecord[];
}

export type PointsCommittedListener = (event: PointsCommitted) => void | Promise<void>;

export interface PointsCommittedBus {
  /** Returns a function that unsubscribes. */
  subscribe: (listener: PointsCommittedListener) => () => void;
  publish: (event: PointsCommitted) => void;
}

/**
 * In-process fan-out of committed points to consumers (alerts, stream, usage, metrics).
 * Listeners run after the acknowledgement, each on its own turn, and their failures are
 * logged: a consumer can never delay or fail an ingest response.
 */
export function createPointsCommittedBus(logger: Logger): PointsCommittedBus {
  const listeners = new Set<PointsCommittedListener>();
  const deliver = (listener: PointsCommittedListener, event: PointsCommitted) => {
    try {
      Promise.resolve(listener(event)).catch((error: unknown) => logFailure(error));
    } catch (error) {
      logFailure(error);
    }
  };
  const logFailure = (error: unknown) =>
    logger.error({ err: error instanceof Error ? error.message : String(error) }, 'points-committed consumer failed');
  return {
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    publish: (event) => {
      for (const listener of listeners) setImmediate(deliver, listener, event);
    },
  };
}
