import type { DataPointRecord } from '../points/model';

/** A committed point with the moment this process published it: what its stream cursor is made of. */
export interface LoggedPoint extends DataPointRecord {
  committedAt: Date;
}

/**
 * Stamps each batch of committed points as it is published. `createdAt` is taken before
 * the write, and concurrent writes can be acknowledged in another order, so cursors use
 * this instead: in one process, (committedAt, point id) only grows in publish order, which
 * is the order streams send and the log keeps. A batch whose ids would sort before the
 * previous batch's in the same millisecond moves one millisecond on.
 */
export function createCommitClock(now: () => number = Date.now): (points: readonly DataPointRecord[]) => LoggedPoint[] {
  let lastMs = 0;
  let lastId = '';
  return (points) => {
    if (points.length === 0) return [];
    let ms = Math.max(now(), lastMs);
    if (ms === lastMs && points[0]!._id.toHexString() <= lastId) ms += 1;
    lastMs = ms;
    lastId = points[points.length - 1]!._id.toHexString();
    const committedAt = new Date(ms);
    return points.map((point) => ({ ...point, committedAt }));
  };
}
