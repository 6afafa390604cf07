import { isDatabaseUnavailable } from '../../db/isDatabaseUnavailable';
import { DomainError } from '../../shared/errors';
import type { DataPointRecord } from '../points/model';
import { insertPoints } from '../points/pointStore';

export interface GroupCommitOptions {
  /** How long the first request of a group waits for company. */
  windowMs: number;
  maxPoints: number;
  /** Rough upper bound on a group's size, from the JSON size of values and metadata. */
  maxBytes: number;
  /** Seam for the tests and the benchmark; defaults to the one insertMany path. */
  insertMany?: (points: DataPointRecord[]) => Promise<unknown>;
  /** Told the size of each group as it is written (the metrics' batch-size histogram). */
  onFlush?: (points: number) => void;
}

export interface GroupCommitter {
  /** Resolves once the database acknowledged all these points; rejects with 503 if any failed. */
  commit: (points: DataPointRecord[]) => Promise<void>;
  /** Writes what is waiting and waits for every write in flight (graceful shutdown). */
  drain: () => Promise<void>;
}

interface Waiting {
  points: DataPointRecord[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

const failedIndexes = (error: unknown): Set<number> | null => {
  const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
  if (isDatabaseUnavailable(error) || !Array.isArray(writeErrors) || writeErrors.length === 0) return null;
  return new Set(writeErrors.map((writeError: { index: number }) => writeError.index));
};

const approximateBytes = (point: DataPointRecord) => 200 + JSON.stringify(point.values).length + JSON.stringify(point.metadata).length;

/**
 * Group commit for every ingest: the points of concurrent requests go to the database as
 * one insertMany, flushed after `windowMs` or as soon as a group is full. A request's
 * promise settles with exactly its own points' outcome.
 */
export function createGroupCommitter(options: GroupCommitOptions): GroupCommitter {
  const insertMany = options.insertMany ?? insertPoints;
  let group: Waiting[] = [];
  let groupPoints = 0;
  let groupBytes = 0;
  let timer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();

  const write = async (batch: Waiting[]): Promise<void> => {
    try {
      await insertMany(batch.flatMap((waiting) => waiting.points));
      for (const waiting of batch) waiting.resolve();
    } catch (error) {
      const failed = failedIndexes(error);
      let offset = 0;
      for (const waiting of batch) {
        const indexes = waiting.points.map((_, i) => offset + i);
        offset += waiting.points.length;
        if (failed && !indexes.some((index) => failed.has(index))) waiting.resolve();
        else waiting.reject(new DomainError('DATABASE_UNAVAILABLE'));
      }
    }
  };

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (group.length === 0) return;
    const batch = group;
    options.onFlush?.(groupPoints);
    group = [];
    groupPoints = 0;
    groupBytes = 0;
    const writing = write(batch).finally(() => inFlight.delete(writing));
    inFlight.add(writing);
  };

  return {
    commit: (points) =>
      new Promise<void>((resolve, reject) => {
        if (groupPoints > 0 && groupPoints + points.length > options.maxPoints) flush();
        group.push({ points, resolve, reject });
        groupPoints += points.length;
        // A full batch goes at once, without the cost of sizing it point by point.
        if (groupPoints >= options.maxPoints) return flush();
        for (const point of points) groupBytes += approximateBytes(point);
        if (groupBytes >= options.maxBytes) flush();
        else timer ??= setTimeout(flush, options.windowMs);
      }),
    drain: async () => {
      flush();
      await Promise.all([...inFlight]);
    },
  };
}
