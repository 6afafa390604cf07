import { Types } from 'mongoose';
import type { Logger } from '../../logger';
import type { LoggedPoint } from './commitClock';
import { appendLiveEvents, type LiveEventRecord } from './liveEventLog';

/** Points per event document: far below MongoDB's 16 MB, even with large string fields. */
const pointsPerEvent = 500;

export interface LiveEventWriter {
  add: (bucketId: string, points: readonly LoggedPoint[]) => void;
  /** Writes what is buffered now; a replay calls it so that nothing this instance committed is missing from the log. */
  flush: () => Promise<void>;
  stop: () => Promise<void>;
}

/**
 * Buffers this instance's committed points and writes them to the live-event log once per
 * window: one insert per window, not one per request, so the ingest path pays nothing per
 * point. The log is best-effort: a failed write is logged; the points themselves are stored.
 */
export function createLiveEventWriter(options: { instanceId: string; windowMs: number; logger: Logger }): LiveEventWriter {
  let buffered = new Map<string, LoggedPoint[]>();
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let newestCommit = 0;

  const toRecords = (byBucket: Map<string, LoggedPoint[]>, createdAt: Date): LiveEventRecord[] =>
    [...byBucket].flatMap(([bucketId, points]) => {
      const records: LiveEventRecord[] = [];
      for (let i = 0; i < points.length; i += pointsPerEvent) {
        const chunk = points.slice(i, i + pointsPerEvent);
        records.push({
          _id: new Types.ObjectId(),
          instanceId: options.instanceId,
          bucketId: new Types.ObjectId(bucketId),
          createdAt,
          points: chunk,
        });
      }
      return records;
    });

  const flush = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    if (buffered.size > 0) {
      const taken = buffered;
      buffered = new Map();
      const write = () =>
        appendLiveEvents(toRecords(taken, new Date(Math.max(Date.now(), newestCommit)))).catch((error: Error) =>
          options.logger.warn({ err: error.message }, 'live-event log write failed; other instances miss these points live'),
        );
      // Serialized, so the log's createdAt order is this instance's commit order.
      writing = writing.then(write);
    }
    return writing;
  };

  return {
    add: (bucketId, points) => {
      newestCommit = Math.max(newestCommit, points[points.length - 1]?.committedAt.getTime() ?? 0);
      const list = buffered.get(bucketId);
      if (list) list.push(...points);
      else buffered.set(bucketId, [...points]);
      timer ??= setTimeout(() => void flush(), options.windowMs);
    },
    flush,
    stop: flush,
  };
}
