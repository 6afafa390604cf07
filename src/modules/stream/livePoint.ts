import { toQueriedPoint } from '../query/presenters';
import type { LoggedPoint } from './commitClock';
import type { StreamEvent } from './streamBucket';

/**
 * A committed point as streams carry it: its `point` event, whose id is its cursor and whose
 * data is the raw point as query results show it plus bucketId (api.md §10), and the source
 * subscribers filter on. One object, shared by every subscriber.
 */
export interface LivePoint extends StreamEvent {
  /** `<createdAt ms>-<point id>`: what Last-Event-ID replays after. */
  id: string;
  dataSourceId: string;
}

export const cursorOf = (point: Pick<LoggedPoint, '_id' | 'committedAt'>) => `${point.committedAt.getTime()}-${point._id.toHexString()}`;

export function toLivePoint(point: LoggedPoint, bucketId: string): LivePoint {
  return {
    id: cursorOf(point),
    event: 'point',
    data: JSON.stringify({ ...toQueriedPoint(point), bucketId }),
    dataSourceId: point.dataSourceId.toHexString(),
  };
}

export interface ParsedCursor {
  committedAtMs: number;
  pointId: string;
}

export function parseCursor(text: string): ParsedCursor | null {
  const match = /^(\d{1,15})-([0-9a-f]{24})$/.exec(text.trim());
  return match ? { committedAtMs: Number(match[1]), pointId: match[2]! } : null;
}

/** Cursors order by publish time, then by point id for points of the same millisecond (see commitClock). */
export const isAfter = (point: ParsedCursor, cursor: ParsedCursor) =>
  point.committedAtMs > cursor.committedAtMs || (point.committedAtMs === cursor.committedAtMs && point.pointId > cursor.pointId);
