import type { LivePoint } from '../stream/livePoint';
import type { LiveStream } from '../stream/liveStream';
import { topicOf } from './topics';

/** Where a subscriber's points go: one MQTT client, at QoS 0 (a live feed; nothing queued for offline sessions). */
export type SendToClient = (topic: string, payload: string) => void;

export interface LiveSubscriptions {
  /** Resolves once every instance feeds the bucket's points here, so nothing committed after the SUBACK is missed. */
  add: (subscriber: object, bucketId: string, sourceId: string, send: SendToClient) => Promise<void>;
  remove: (subscriber: object, sourceId: string) => void;
  removeAll: (subscriber: object) => void;
}

/**
 * MQTT subscriptions to dakkio/sources/<id>/points, fed by the live stream's hub: the same
 * committed points, from every instance, as the SSE stream of api.md §10 carries, each
 * payload the `data` of its `point` event.
 */
export function createLiveSubscriptions(live: LiveStream): LiveSubscriptions {
  const bySubscriber = new Map<object, Map<string, () => void>>();

  const remove = (subscriber: object, sourceId: string) => {
    const own = bySubscriber.get(subscriber);
    own?.get(sourceId)?.();
    own?.delete(sourceId);
    if (own?.size === 0) bySubscriber.delete(subscriber);
  };

  return {
    add: async (subscriber, bucketId, sourceId, send) => {
      await live.demand.declare(bucketId);
      const own = bySubscriber.get(subscriber) ?? new Map<string, () => void>();
      if (own.has(sourceId)) return;
      bySubscriber.set(subscriber, own);
      const topic = topicOf(sourceId, 'points');
      const unsubscribe = live.hub.subscribe({
        bucketId,
        sourceIds: new Set([sourceId]),
        deliver: (points: readonly LivePoint[]) => {
          for (const point of points) send(topic, point.data);
        },
        end: () => remove(subscriber, sourceId),
      });
      // Keeps the bucket's declaration alive while the subscription is.
      const stopRenewing = live.everyKeyCheck(() => void live.demand.declare(bucketId).catch(() => undefined));
      own.set(sourceId, () => {
        unsubscribe();
        stopRenewing();
      });
    },
    remove,
    removeAll: (subscriber) => {
      for (const sourceId of [...(bySubscriber.get(subscriber)?.keys() ?? [])]) remove(subscriber, sourceId);
    },
  };
}
