import { createCatchUp } from './catchUp';
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
  /** Whether the client had already left when asked. */
  left: () => boolean;
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

/**
 * A bucket's committed points, live, until the client leaves or its key stops being valid.
 * The subscription starts before the replay is read, so no point falls between the replay
 * and the live feed.
 */
export async function streamBucket(request: StreamRequest, sink: StreamSink, ports: StreamPorts): Promise<void> {
  // A client that left while its request was being authenticated takes no slot and declares no demand.
  if (sink.left()) return;
  const releaseSlot = ports.live.slots.take(request.keyId);
  try {
    // Before anything is sent: from the moment the stream opens, every instance copies the bucket's points to the log.
    await ports.live.demand.declare(request.bucketId);
  } catch (error) {
    releaseSlot();
    throw error;
  }
  const catchUp = createCatchUp(sink, request.lastEventId !== undefined);
  const unsubscribe = ports.live.hub.subscribe({
    bucketId: request.bucketId,
    sourceIds: request.sourceIds,
    deliver: catchUp.deliver,
    end: sink.end,
  });
  const stopChecks = ports.live.everyKeyCheck(() => {
    ports.stillAllowed().then(
      (allowed) => allowed || sink.end(),
      () => undefined, // A database hiccup is not a revoked key; the next check decides.
    );
    // Keeps the declaration alive while the stream is (a read of memory until it nears its end).
    ports.live.demand.declare(request.bucketId).catch(() => undefined);
  });
  try {
    sink.open();
    if (request.lastEventId !== undefined) await catchUp.finish(await replayMissed(request, request.lastEventId, ports.live));
    await sink.closed;
  } finally {
    catchUp.stop();
    stopChecks();
    unsubscribe();
    releaseSlot();
  }
}

/** What the client missed, from the log once this instance's buffered points are in it; a reset when it cannot be read. */
async function replayMissed(request: StreamRequest, lastEventId: string, live: LiveStream): Promise<Replay> {
  try {
    await live.flushLog();
    return await replayAfter({ ...request, lastEventId }, live.replayLimits);
  } catch {
    return { kind: 'reset', reason: 'missed points could not be read' };
  }
}
