import type { LivePoint } from './livePoint';
import type { Replay } from './replay';
import type { StreamSink } from './streamBucket';

/** Replayed points per write; between writes the replay waits for the client to take them. */
const replayChunk = 100;
/** Live points that may wait for a replay to finish; a stream with more is ended (its client reconnects). */
const maxHeldPoints = 10_000;
/** How long after a replay a replayed point may still come live from another instance's feed (its poll lookback and more). */
const replayEchoMs = 15_000;

export interface CatchUp {
  /** Where the hub delivers this stream's live points. */
  deliver: (points: readonly LivePoint[]) => void;
  /** Sends the replay (or its reset), then the live points that came meanwhile, and goes live. */
  finish: (replay: Replay) => Promise<void>;
  stop: () => void;
}

/**
 * A stream that reconnected with Last-Event-ID: live points wait while the replay is sent,
 * then follow it, and a point both replayed and delivered live (another instance's, seen by
 * this one's feed later) is sent once. Without Last-Event-ID points go straight out.
 */
export function createCatchUp(sink: StreamSink, replaying: boolean): CatchUp {
  let held: LivePoint[] | null = replaying ? [] : null;
  const replayed = new Set<string>();
  let forgetReplayed: NodeJS.Timeout | undefined;
  const send = (points: readonly LivePoint[]) =>
    sink.send(replayed.size === 0 ? points : points.filter((point) => !replayed.has(point.id)));

  return {
    deliver: (points) => {
      if (!held) send(points);
      else if (held.push(...points) > maxHeldPoints) sink.end();
    },
    finish: async (replay) => {
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
    },
    stop: () => clearTimeout(forgetReplayed),
  };
}
