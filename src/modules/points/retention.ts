import type { Logger } from '../../logger';
import { BucketModel, type BucketRecord } from '../buckets/model';
import { DataPointModel } from './model';

const dayMs = 86_400_000;

export const retentionCutoff = (retentionDays: number, now = Date.now()): Date => new Date(now - retentionDays * dayMs);

/**
 * Deletes each bucket's points older than its retention, in batches of at most
 * `batchSize`, so one run never holds a long delete against the database.
 */
export async function enforceRetention(batchSize: number, now = Date.now()): Promise<number> {
  let deleted = 0;
  const buckets = await BucketModel.find().select('retentionDays').lean<Pick<BucketRecord, '_id' | 'retentionDays'>[]>();
  for (const bucket of buckets) {
    const expired = { bucketId: bucket._id, timestamp: { $lt: retentionCutoff(bucket.retentionDays, now) } };
    for (;;) {
      const batch = await DataPointModel.collection.find(expired, { projection: { _id: 1 } }).limit(batchSize).toArray();
      if (batch.length === 0) break;
      deleted += (await DataPointModel.collection.deleteMany({ _id: { $in: batch.map((point) => point._id) } })).deletedCount;
      if (batch.length < batchSize) break;
    }
  }
  return deleted;
}

/** Runs retention every `intervalMs`; returns a function that stops it. */
export function scheduleRetention(intervalMs: number, batchSize: number, logger: Logger): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    enforceRetention(batchSize)
      .then((deleted) => deleted > 0 && logger.info({ deleted }, 'retention removed expired points'))
      .catch((error: Error) => logger.warn({ err: error.message }, 'retention run failed'))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
