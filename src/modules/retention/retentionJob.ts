import type { Types } from 'mongoose';
import type { Config } from '../../config';
import type { Logger } from '../../logger';
import { bucketsForRetention } from '../buckets/buckets.service';
import { deleteOldAuditLogs } from '../audit/auditLogs.service';
import { deleteExpiredIdempotencyRecords } from '../idempotency/model';
import { bucketIdsWithPoints, deleteExpiredPoints, deletePointsInBatches, retentionCutoff, sourceIdsWithPoints } from '../points/retention';
import { liveSourceIdsAmong } from '../sources/sources.service';
import { deleteOldDeliveries } from '../webhooks/deliveries.service';

const hex = (id: Types.ObjectId) => id.toHexString();

/**
 * Points whose bucket or data source no longer exists: left by a write acknowledged while
 * its parent was being deleted, or by a delete that was interrupted. Nobody can query them.
 */
async function deleteOrphanedPoints(liveBucketIds: Types.ObjectId[], batchSize: number): Promise<number> {
  let deleted = 0;
  const live = new Set(liveBucketIds.map(hex));
  for (const bucketId of await bucketIdsWithPoints()) {
    if (!live.has(hex(bucketId))) deleted += await deletePointsInBatches({ bucketId }, batchSize);
  }
  for (const bucketId of liveBucketIds) {
    const withPoints = await sourceIdsWithPoints(bucketId);
    if (withPoints.length === 0) continue;
    const liveIds = new Set((await liveSourceIdsAmong(withPoints)).map(hex));
    for (const dataSourceId of withPoints) {
      if (!liveIds.has(hex(dataSourceId))) deleted += await deletePointsInBatches({ bucketId, dataSourceId }, batchSize);
    }
  }
  return deleted;
}

/**
 * Deletes each bucket's points older than its retention, orphaned points, and expired
 * Idempotency-Key records (the embedded database has no TTL monitor). Every step is an
 * idempotent delete, so several instances may run it at once. Returns the points deleted.
 */
export async function enforceRetention(batchSize: number, now = Date.now()): Promise<number> {
  const buckets = await bucketsForRetention();
  let deleted = 0;
  for (const bucket of buckets) deleted += await deleteExpiredPoints(bucket._id, retentionCutoff(bucket.retentionDays, now), batchSize);
  deleted += await deleteOrphanedPoints(
    buckets.map((bucket) => bucket._id),
    batchSize,
  );
  await deleteExpiredIdempotencyRecords(now);
  return deleted;
}

type RetentionSettings = Pick<
  Config,
  'RETENTION_INTERVAL_MS' | 'RETENTION_BATCH_SIZE' | 'WEBHOOK_DELIVERY_RETENTION_DAYS' | 'AUDIT_RETENTION_DAYS'
>;

/**
 * Runs retention every RETENTION_INTERVAL_MS: points, then the webhook delivery log and the
 * audit log by age (idempotent deletes, so every instance runs them). Returns a function that stops it.
 */
export function scheduleRetention(config: RetentionSettings, logger: Logger): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    enforceRetention(config.RETENTION_BATCH_SIZE)
      .then((deleted) => deleted > 0 && logger.info({ deleted }, 'retention removed expired and orphaned points'))
      .then(() => deleteOldDeliveries(config.WEBHOOK_DELIVERY_RETENTION_DAYS))
      .then(() => deleteOldAuditLogs(config.AUDIT_RETENTION_DAYS))
      .catch((error: Error) => logger.warn({ err: error.message }, 'retention run failed'))
      .finally(() => (running = false));
  }, config.RETENTION_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
