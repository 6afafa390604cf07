import type { DataPointRecord } from '../points/model';
import { toQueriedPoint } from '../query/presenters';
import type { StreamEvent } from './streamBucket';

/** A committed point as streams carry it: its cursor, what subscribers filter on, and its event body. */
export interface LivePoint {
  /** `<createdAt ms>-<point id>`: the SSE event id, and what Last-Event-ID replays after. */
  cursor: string;
  bucketId: string;
  dataSourceId: string;
  /** Its `point` event: the raw point as query results show it, plus bucketId (api.md §10); one object shared by every subscriber. */
  event: StreamEvent;
}

export const cursorOf = (point: Pick<DataPointRecord, '_id' | 'createdAt'>) => `${point.createdAt.getTime()}-${point._id.toHexString()}`;

export function toLivePoint(point: DataPointRecord, bucketId: string): LivePoint {
  const cursor = cursorOf(point);
  return {
    cursor,
    bucketId,
    dataSourceId: point.dataSourceId.toHexString(),
    event: { id: cursor, event: 'point', data: JSON.stringify({ ...toQueriedPoint(point), bucketId }) },
  };
}

export interface ParsedCursor {
  createdAtMs: number;
  pointId: string;
}

export function parseCursor(text: string): ParsedCursor | null {
  const match = /^(\d{1,15})-([0-9a-f]{24})$/.exec(text.trim());
  return match ? { createdAtMs: Number(match[1]), pointId: match[2]! } : null;
}

/** Cursors order by commit time, then by point id for points of the same millisecond. */
export const isAfter = (point: ParsedCursor, cursor: ParsedCursor) =>
  point.createdAtMs > cursor.createdAtMs || (point.createdAtMs === cursor.createdAtMs && point.pointId > cursor.pointId);
