import type { Logger } from '../../logger';
import { liveEventsSince, type LiveEventRecord } from './liveEventLog';

export interface RemoteFeedOptions {
  instanceId: string;
  logger: Logger;
  onEvent: (event: LiveEventRecord) => void;
}

export interface RemoteFeed {
  stop: () => Promise<void>;
}

/**
 * Reads other instances' live events every `intervalMs`, for databases without change
 * streams (the embedded one, a standalone mongod). Each read looks back `lookbackMs` on
 * this instance's clock, so a write still in flight at the previous read, or an instance
 * whose clock lags by less than that, is still seen; event ids already handed on are
 * skipped. The first read only learns what exists: subscribers get what comes after.
 */
export function startPollingFeed(options: RemoteFeedOptions & { intervalMs: number; lookbackMs: number }): RemoteFeed {
  const seen = new Map<string, number>();
  let primed = false;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  const poll = async () => {
    const since = Date.now() - options.lookbackMs;
    const events = await liveEventsSince(new Date(since), options.instanceId);
    for (const event of events) {
      const id = event._id.toHexString();
      if (seen.has(id)) continue;
      seen.set(id, event.createdAt.getTime());
      if (primed) options.onEvent(event);
    }
    primed = true;
    for (const [id, createdAt] of seen) if (createdAt < since) seen.delete(id);
  };

  const loop = () => {
    if (stopped) return;
    running = poll()
      .catch((error: Error) => options.logger.warn({ err: error.message }, 'live-event poll failed'))
      .finally(() => {
        if (!stopped) setTimeout(loop, options.intervalMs).unref();
      });
  };
  loop();
  return {
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}
