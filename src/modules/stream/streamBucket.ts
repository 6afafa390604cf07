import type { LivePoint } from './livePoint';
import type { LiveStream } from './liveStream';
import { replayAfter, type Replay } from './replay';

export interface StreamEvent {
  id?: string;
  event: string;
  data: string;
}

/** Where a stream's events go; the HTTP layer implements it as Server-Sent Events. */
export interface StreamSink {
  /** Sends the response head; after this, problems end the stream instead of answering. */
  open: () => void;
  /** False once the sink is closed, or when it closes now because the client stopped reading. The same array may go to many sinks. */
  send: (events: readonly StreamEvent[]) => boolean;
  /** Whether what was sent has been handed to the network; false when the sink closed or dropped the client meanwhile. A long replay paces itself by it. */
  drained: () => Promise<boolean>;
  end: () => void;
  /** Settles when the stream ended, from either side. */
  closed: Promise<void>;
}

export interface StreamRequest {
  keyId: string;
  bucketId: string;
  sourceIds: ReadonlySet<string> | null;
  lastEventId?: string;
}

export interface StreamPorts {
  live: LiveStream;
  /** Whether the key may still read the bucket (not deleted, not expired); asked at every key check. */
  stillAllowed: () => Promise<boolean>;
}

/** Replayed points per write; between writes the replay waits for the client to take them. */
const replayChunk = 100;
/** Live points that may wait for a replay to finish; a stream with more is ended (its client reconnects). */
const maxHeldPoints = 10_000;
/** How long after a replay a replayed point may still come live from another instance's feed (its poll lookback and more). */
const replayEchoMs = 15_000;

/**
 * A bucket's committed points, live, until the client leaves or its key stops being valid.
 * The subscription starts before the replay is read, and what arrives meanwhile waits, so
 * no point falls between the replay and the live feed; a point in both is sent once.
 */
export async function streamBucket(request: StreamRequest, sink: StreamSink, ports: StreamPorts): Promise<void> {
  const releaseSlot = ports.live.slots.take(request.keyId);
  let held: LivePoint[] | null = request.lastEventId === undefined ? null : [];
  // Replayed points may still arrive live afterwards (another instance's, seen by this one's feed later): sent once.
  const replayed = new Set<string>();
  const send = (points: readonly LivePoint[]) =>
    sink.send(replayed.size === 0 ? points : points.filter((point) => !replayed.has(point.id)));
  const unsubscribe = ports.live.hub.subscribe({
    bucketId: request.bucketId,
    sourceIds: request.sourceIds,
    deliver: (points) => {
      if (!held) send(points);
      else if (held.push(...points) > maxHeldPoints) sink.end();
    },
    end: sink.end,
  });
  const replayMissed = async (lastEventId: string): Promise<Replay> => {
    try {
      await ports.live.flushLog();
      return await replayAfter({ ...request, lastEventId }, ports.live.replayLimits);
    } catch {
      return { kind: 'reset', reason: 'missed points could not be read' };
    }
  };
  const stopChecks = ports.live.everyKeyCheck(() => {
    ports.stillAllowed().then(
      (allowed) => allowed || sink.end(),
      () => undefined, // A database hiccup is not a revoked key; the next check decides.
    );
  });
  let forgetReplayed: NodeJS.Timeout | undefined;
  try {
    sink.open();
    if (request.lastEventId !== undefined) {
      const replay = await replayMissed(request.lastEventId);
      if (replay.kind === 'reset') sink.send([{ event: 'reset', data: JSON.stringify({ reason: replay.reason }) }]);
      else {
        for (let i = 0; i < replay.points.length; i += replayChunk) {
          const chunk = replay.points.slice(i, i + replayChunk);
          send(chunk);
          for (const point of chunk) replayed.add(point.id);
          if (!(await sink.drained())) break;
        }
        forgetReplayed = setTimeout(() => replayed.clear(), replayEchoMs).unref();
      }
      const waiting = held ?? [];
      held = null;
      send(waiting);
    }
    await sink.closed;
  } finally {
    clearTimeout(forgetReplayed);
    stopChecks();
    unsubscribe();
    releaseSlot();
  }
}
