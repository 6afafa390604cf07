import type { DataPointRecord } from '../points/model';
import { toQueriedPoint } from '../query/presenters';
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

export const cursorOf = (point: Pick<DataPointRecord, '_id' | 'createdAt'>) => `${point.createdAt.getTime()}-${point._id.toHexString()}`;

export function toLivePoint(point: DataPointRecord, bucketId: string): LivePoint {
  return {
    id: cursorOf(point),
    event: 'point',
    data: JSON.stringify({ ...toQueriedPoint(point), bucketId }),
    dataSourceId: point.dataSourceId.toHexString(),
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
