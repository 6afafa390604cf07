import { bucketLiveEventsSince } from './liveEventLog';
import { parseCursor, isAfter, toLivePoint, type LivePoint } from './livePoint';

export type Replay = { kind: 'points'; points: LivePoint[] } | { kind: 'reset'; reason: string };

export interface ReplayRequest {
  bucketId: string;
  sourceIds: ReadonlySet<string> | null;
  lastEventId: string;
}

export interface ReplayLimits {
  maxPoints: number;
  /** How long the live-event log keeps points; a cursor older than that cannot be replayed. */
  windowMs: number;
}

/**
 * What a reconnecting client missed after its Last-Event-ID, oldest first, from the
 * live-event log. When that is more than `maxPoints`, or cannot be known (cursor unreadable
 * or older than the log), the answer is a reset: the client reloads its history instead.
 */
export async function replayAfter(request: ReplayRequest, limits: ReplayLimits, now = Date.now()): Promise<Replay> {
  const cursor = parseCursor(request.lastEventId);
  if (!cursor) return { kind: 'reset', reason: 'unreadable Last-Event-ID' };
  if (cursor.committedAtMs < now - limits.windowMs) return { kind: 'reset', reason: 'Last-Event-ID is older than the replay window' };
  const points: LivePoint[] = [];
  for await (const event of bucketLiveEventsSince(request.bucketId, cursor.committedAtMs)) {
    for (const record of event.points) {
      if (request.sourceIds && !request.sourceIds.has(record.dataSourceId.toHexString())) continue;
      if (!isAfter({ committedAtMs: record.committedAt.getTime(), pointId: record._id.toHexString() }, cursor)) continue;
      if (points.length === limits.maxPoints) return { kind: 'reset', reason: `more than ${limits.maxPoints} points were missed` };
      points.push(toLivePoint(record, request.bucketId));
    }
  }
  return { kind: 'points', points };
}
