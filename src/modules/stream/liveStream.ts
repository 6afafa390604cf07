import { randomUUID } from 'node:crypto';
import type { Logger } from '../../logger';
import type { PointsCommittedBus } from '../ingest/pointsCommitted';
import { changeStreamsAvailable, startChangeStreamFeed } from './changeStreamFeed';
import { createCommitClock } from './commitClock';
import type { LiveEventRecord } from './liveEventLog';
import { createLiveEventWriter } from './liveEventWriter';
import { createLiveHub, type LiveHub } from './liveHub';
import { startPollingFeed, type RemoteFeed } from './pollingFeed';
import { pruneLiveEvents } from './liveEventLog';
import type { ReplayLimits } from './replay';
import { createStreamSlots, type StreamSlots } from './streamSlots';
import { createStreamDemand, type StreamDemand } from './streamDemand';

/** How points committed on other instances reach this one's subscribers. */
export type LiveFeedMode = 'change-stream' | 'polling';

export interface LiveStreamOptions {
  logger: Logger;
  pointsCommitted: PointsCommittedBus;
  maxPerKey: number;
  maxTotal: number;
  pollIntervalMs: number;
  /** Under a burst, a bucket's points go to its streams once per this many ms. */
  batchMs: number;
  /** How often open streams check their keys, all in the same moment so the reads coalesce. */
  keyCheckMs: number;
  replay: ReplayLimits;
}

export interface LiveStream {
  hub: LiveHub;
  slots: StreamSlots;
  /** Which buckets are streamed anywhere: only theirs are copied to the log. */
  demand: StreamDemand;
  replayLimits: ReplayLimits;
  /** Runs `check` at every key check until the returned function is called. */
  everyKeyCheck: (check: () => void) => () => void;
  /** Writes this instance's buffered live events now. */
  flushLog: () => Promise<void>;
  /** Null until start() picked one. */
  mode: () => LiveFeedMode | null;
  /** Picks the feed mode (needs the database), logs it and starts feeding. */
  start: () => Promise<void>;
  /** Ends every open stream: on shutdown, clients reconnect to another instance with Last-Event-ID. */
  endStreams: () => void;
  /** Ends the streams, stops the feed and writes what is buffered. */
  stop: () => Promise<void>;
}

/** Points from another instance's flush window reach subscribers a window plus a poll after their 201. */
const logWindowMs = 50;
/** Tolerated lag between instances' clocks and in-flight log writes, when polling. */
const pollLookbackMs = 10_000;

export function createLiveStream(options: LiveStreamOptions): LiveStream {
  const instanceId = randomUUID();
  const hub = createLiveHub(options.batchMs);
  const writer = createLiveEventWriter({ instanceId, windowMs: logWindowMs, logger: options.logger });
  // Declarations outlive their last stream by twice the replay window, so a replay always finds the log complete.
  const demand = createStreamDemand({ refreshMs: options.pollIntervalMs, lingerMs: 2 * options.replay.windowMs, logger: options.logger });
  let mode: LiveFeedMode | null = null;
  let feed: RemoteFeed | undefined;
  let pruneTimer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  const keyChecks = new Set<() => void>();
  let keyCheckTimer: NodeJS.Timeout | undefined;

  const fromOtherInstance = (event: LiveEventRecord) => hub.dispatch(event.bucketId.toHexString(), event.points);
  // Deleting by age is idempotent, so every instance may prune without a lease.
  const prune = () =>
    void pruneLiveEvents(new Date(Date.now() - options.replay.windowMs)).catch((error: Error) =>
      options.logger.warn({ err: error.message }, 'live-event log prune failed'),
    );

  return {
    hub,
    demand,
    slots: createStreamSlots({ perKey: options.maxPerKey, total: options.maxTotal }),
    replayLimits: options.replay,
    everyKeyCheck: (check) => {
      keyChecks.add(check);
      keyCheckTimer ??= setInterval(() => {
        for (const each of keyChecks) each();
      }, options.keyCheckMs).unref();
      return () => {
        keyChecks.delete(check);
        if (keyChecks.size > 0) return;
        clearInterval(keyCheckTimer);
        keyCheckTimer = undefined;
      };
    },
    flushLog: writer.flush,
    mode: () => mode,
    start: async () => {
      const stamp = createCommitClock();
      unsubscribe = options.pointsCommitted.subscribe(({ bucketId, points }) => {
        const watched = hub.watches(bucketId);
        const logged = demand.logs(bucketId);
        // Most points go to buckets nobody streams: they are not copied to be stamped.
        if (!watched && !logged) return;
        const stamped = stamp(points);
        if (watched) hub.dispatch(bucketId, stamped);
        if (logged) writer.add(bucketId, stamped);
      });
      demand.start();
      mode = (await changeStreamsAvailable()) ? 'change-stream' : 'polling';
      const feedOptions = { instanceId, logger: options.logger, onEvent: fromOtherInstance };
      feed =
        mode === 'change-stream'
          ? startChangeStreamFeed(feedOptions)
          : startPollingFeed({ ...feedOptions, intervalMs: options.pollIntervalMs, lookbackMs: pollLookbackMs });
      pruneTimer = setInterval(prune, Math.min(60_000, options.replay.windowMs)).unref();
      options.logger.info({ liveStreamMode: mode }, 'live stream feed started');
    },
    endStreams: hub.endAll,
    stop: async () => {
      hub.endAll();
      // The bus delivers on the next turn: let the last drained writes reach the log first.
      await new Promise((resolve) => setImmediate(resolve));
      unsubscribe?.();
      clearInterval(pruneTimer);
      demand.stop();
      await feed?.stop();
      await writer.stop();
    },
  };
}
