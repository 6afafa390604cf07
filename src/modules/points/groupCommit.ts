import { isDatabaseUnavailable } from '../../db/isDatabaseUnavailable';
import { DomainError } from '../../shared/errors';
import { DataPointModel, type DataPointRecord } from './model';

export interface GroupCommitOptions {
  /** How long the first point of a group waits for company. */
  windowMs: number;
  maxPoints: number;
  /** Rough upper bound on a group's size, from the JSON size of values and metadata. */
  maxBytes: number;
  /** Seam for the tests and the benchmark; defaults to the driver's unordered insertMany. */
  insertMany?: (points: DataPointRecord[]) => Promise<unknown>;
}

export interface GroupCommitter {
  /** Resolves once the database acknowledged this point; rejects with 503 for exactly the points that failed. */
  commit: (point: DataPointRecord) => Promise<void>;
  /** Writes what is waiting and waits for every write in flight (graceful shutdown). */
  drain: () => Promise<void>;
}

interface Waiting {
  point: DataPointRecord;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const failedIndexes = (error: unknown): Set<number> | null => {
  const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
  if (isDatabaseUnavailable(error) || !Array.isArray(writeErrors) || writeErrors.length === 0) return null;
  return new Set(writeErrors.map((writeError: { index: number }) => writeError.index));
};

/**
 * Group commit for single-point ingest: the points of concurrent requests go to the
 * database as one insertMany, flushed after `windowMs` or as soon as a group is full.
 */
export function createGroupCommitter(options: GroupCommitOptions): GroupCommitter {
  const insertMany = options.insertMany ?? ((points) => DataPointModel.collection.insertMany(points, { ordered: false }));
  let group: Waiting[] = [];
  let groupBytes = 0;
  let timer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();

  const write = async (batch: Waiting[]): Promise<void> => {
    try {
      await insertMany(batch.map((waiting) => waiting.point));
      batch.forEach((waiting) => waiting.resolve());
    } catch (error) {
      const failed = failedIndexes(error);
      batch.forEach((waiting, index) =>
        failed && !failed.has(index) ? waiting.resolve() : waiting.reject(new DomainError('DATABASE_UNAVAILABLE')),
      );
    }
  };

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (group.length === 0) return;
    const batch = group;
    group = [];
    groupBytes = 0;
    const writing = write(batch).finally(() => inFlight.delete(writing));
    inFlight.add(writing);
  };

  return {
    commit: (point) =>
      new Promise<void>((resolve, reject) => {
        group.push({ point, resolve, reject });
        groupBytes += 200 + JSON.stringify(point.values).length + JSON.stringify(point.metadata).length;
        if (group.length >= options.maxPoints || groupBytes >= options.maxBytes) flush();
        else timer ??= setTimeout(flush, options.windowMs);
      }),
    drain: async () => {
      flush();
      await Promise.all([...inFlight]);
    },
  };
}
