import { Types } from 'mongoose';
import { createCommitClock } from '../src/modules/stream/commitClock';
import { cursorOf, isAfter, parseCursor } from '../src/modules/stream/livePoint';
import type { DataPointRecord } from '../src/modules/points/model';

const pointWith = (id: Types.ObjectId): DataPointRecord => ({
  _id: id,
  bucketId: new Types.ObjectId(),
  dataSourceId: new Types.ObjectId(),
  timestamp: new Date(),
  values: { temperature: 1 },
  metadata: {},
  createdAt: new Date(0),
});

describe('live stream cursors (commit clock)', () => {
  it('grow in publish order even when writes are acknowledged out of order within a millisecond or the clock steps back', () => {
    let now = 1000;
    const stamp = createCommitClock(() => now);
    const [older, newer, newest] = [new Types.ObjectId(), new Types.ObjectId(), new Types.ObjectId()];
    // The request built later is acknowledged first.
    const published = [stamp([pointWith(newer)]), stamp([pointWith(older)])];
    now = 990;
    published.push(stamp([pointWith(newest)]));
    const cursors = published.flat().map((point) => parseCursor(cursorOf(point))!);
    expect(cursors.map((cursor) => cursor.committedAtMs)).toEqual([1000, 1001, 1001]);
    for (let i = 1; i < cursors.length; i++) expect(isAfter(cursors[i]!, cursors[i - 1]!)).toBe(true);
  });
});
