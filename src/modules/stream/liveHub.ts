import type { LoggedPoint } from './commitClock';
import { toLivePoint, type LivePoint } from './livePoint';

export interface LiveSubscriber {
  bucketId: string;
  /** null: every source of the bucket. */
  sourceIds: ReadonlySet<string> | null;
  /** Subscribers to a whole bucket all get the same array: it is read, never changed. */
  deliver: (points: readonly LivePoint[]) => void;
  /** Ends the subscriber's stream (the process is shutting down). */
  end: () => void;
}

export interface LiveHub {
  subscribe: (subscriber: LiveSubscriber) => () => void;
  /** Hands a bucket's committed points, in commit order, to its subscribers in this process. */
  dispatch: (bucketId: string, points: readonly LoggedPoint[]) => void;
  size: () => number;
  /** Whether any subscriber in this process listens to the bucket. */
  watches: (bucketId: string) => boolean;
  endAll: () => void;
}

interface BucketChannel {
  subscribers: Set<LiveSubscriber>;
  pending: LivePoint[];
  timer: NodeJS.Timeout | undefined;
  lastDeliveryAt: number;
}

/**
 * This process's subscribers by bucket. A point is serialized once, and only if someone
 * listens to its bucket. Points go out at once when the bucket was quiet for `batchMs`;
 * under a burst, once per `batchMs` in one batch: with hundreds of subscribers, handing
 * each of them every point would cost more than ingesting it.
 */
export function createLiveHub(batchMs: number): LiveHub {
  const channels = new Map<string, BucketChannel>();
  let size = 0;

  const deliver = (channel: BucketChannel) => {
    channel.timer = undefined;
    const points = channel.pending;
    channel.pending = [];
    channel.lastDeliveryAt = Date.now();
    for (const subscriber of channel.subscribers) {
      const { sourceIds } = subscriber;
      const wanted = sourceIds ? points.filter((point) => sourceIds.has(point.dataSourceId)) : points;
      if (wanted.length > 0) subscriber.deliver(wanted);
    }
  };

  return {
    subscribe: (subscriber) => {
      let channel = channels.get(subscriber.bucketId);
      if (!channel) {
        channel = { subscribers: new Set(), pending: [], timer: undefined, lastDeliveryAt: 0 };
        channels.set(subscriber.bucketId, channel);
      }
      const joined = channel;
      joined.subscribers.add(subscriber);
      size += 1;
      return () => {
        if (!joined.subscribers.delete(subscriber)) return;
        size -= 1;
        if (joined.subscribers.size === 0 && channels.get(subscriber.bucketId) === joined) {
          clearTimeout(joined.timer);
          channels.delete(subscriber.bucketId);
        }
      };
    },
    dispatch: (bucketId, records) => {
      const channel = channels.get(bucketId);
      if (!channel) return;
      for (const record of records) channel.pending.push(toLivePoint(record, bucketId));
      if (channel.timer) return;
      const wait = channel.lastDeliveryAt + batchMs - Date.now();
      channel.timer = setTimeout(deliver, Math.max(0, wait), channel);
    },
    size: () => size,
    watches: (bucketId) => channels.has(bucketId),
    endAll: () => {
      for (const channel of channels.values()) for (const subscriber of [...channel.subscribers]) subscriber.end();
    },
  };
}
