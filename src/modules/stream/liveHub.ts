import type { DataPointRecord } from '../points/model';
import { toLivePoint, type LivePoint } from './livePoint';

export interface LiveSubscriber {
  bucketId: string;
  /** null: every source of the bucket. */
  sourceIds: ReadonlySet<string> | null;
  deliver: (points: LivePoint[]) => void;
  /** Ends the subscriber's stream (the process is shutting down). */
  end: () => void;
}

export interface LiveHub {
  subscribe: (subscriber: LiveSubscriber) => () => void;
  /** Hands a bucket's committed points, in commit order, to its subscribers in this process. */
  dispatch: (bucketId: string, points: readonly DataPointRecord[]) => void;
  size: () => number;
  endAll: () => void;
}

/** This process's subscribers by bucket; a point is serialized once, and only if someone listens to its bucket. */
export function createLiveHub(): LiveHub {
  const byBucket = new Map<string, Set<LiveSubscriber>>();
  let size = 0;
  return {
    subscribe: (subscriber) => {
      const set = byBucket.get(subscriber.bucketId) ?? new Set();
      byBucket.set(subscriber.bucketId, set);
      set.add(subscriber);
      size += 1;
      return () => {
        if (!set.delete(subscriber)) return;
        size -= 1;
        if (set.size === 0 && byBucket.get(subscriber.bucketId) === set) byBucket.delete(subscriber.bucketId);
      };
    },
    dispatch: (bucketId, records) => {
      const subscribers = byBucket.get(bucketId);
      if (!subscribers) return;
      const points = records.map((record) => toLivePoint(record, bucketId));
      for (const subscriber of subscribers) {
        const { sourceIds } = subscriber;
        const wanted = sourceIds ? points.filter((point) => sourceIds.has(point.dataSourceId)) : points;
        if (wanted.length > 0) subscriber.deliver(wanted);
      }
    },
    size: () => size,
    endAll: () => {
      for (const subscribers of byBucket.values()) for (const subscriber of [...subscribers]) subscriber.end();
    },
  };
}
