import { MemoryStore } from 'express-rate-limit';
import { randomBytes } from 'node:crypto';
import type { Config } from './config';
import { pingDatabase } from './db/pingDatabase';
import type { AppDeps } from './http/route';
import type { Logger } from './logger';
import { createBucketByName, createBucketLookup } from './modules/buckets/bucketLookup';
import { createLastUsedRecorder } from './modules/keys/lastUsedRecorder';
import { createKeyVerifier, type KeyVerifierOptions } from './modules/keys/verifyKey';
import { createGroupCommitter } from './modules/ingest/groupCommit';
import { createPointsCommittedBus } from './modules/ingest/pointsCommitted';
import { createConcurrencyGate } from './modules/query/concurrencyGate';
import { createSourceLookup } from './modules/sources/sourceLookup';
import { createSourceByName } from './modules/sources/sourceByName';
import { createSourcesForMeasurements } from './modules/sources/measurementSources';
import { createAlerting } from './modules/alerts/alerting';
import { createSecretBox } from './modules/webhooks/secretBox';
import { createWebhookSender } from './modules/webhooks/sendWebhook';
import { createKeyStatusCheck } from './modules/keys/keyStatus';
import { createLiveStream } from './modules/stream/liveStream';
import { createUsageMeter, meteringOff } from './modules/usage/usageMeter';
import { createMetrics } from './modules/metrics/metrics';
import { countCommittedPoints } from './modules/metrics/countCommittedPoints';
import { registerStateGauges } from './modules/metrics/stateGauges';
import { MongoRateLimitStore } from './modules/rateLimits/mongoRateLimitStore';
import { countDeliveryBacklog } from './modules/webhooks/deliveryBacklog';

export interface DepsOverrides {
  compare?: KeyVerifierOptions['compare'];
  /** Seals webhook secrets when WEBHOOK_SECRET_KEY is not set (the embedded database's own key). */
  webhookSecretKey?: Buffer;
}

export function createDeps(config: Config, logger: Logger, overrides: DepsOverrides = {}): AppDeps & { drainWrites: () => Promise<void> } {
  const metrics = config.METRICS_ENABLED ? createMetrics() : null;
  const committer = createGroupCommitter({
    windowMs: config.GROUP_COMMIT_WINDOW_MS,
    maxPoints: config.GROUP_COMMIT_MAX_POINTS,
    maxBytes: config.GROUP_COMMIT_MAX_BYTES,
    onFlush: metrics?.groupCommitted,
  });
  const pointsCommitted = createPointsCommittedBus(logger);
  if (metrics) countCommittedPoints(pointsCommitted, metrics);
  const alerting = createAlerting({
    logger,
    pointsCommitted,
    secretBox: createSecretBox(config.WEBHOOK_SECRET_KEY ?? overrides.webhookSecretKey ?? randomBytes(32)),
    send: createWebhookSender({ allowedIps: config.WEBHOOK_ALLOWED_IPS }),
    retrySchedule: config.WEBHOOK_RETRY_SCHEDULE,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    pollIntervalMs: config.WEBHOOK_POLL_INTERVAL_MS,
    concurrency: config.WEBHOOK_CONCURRENCY,
    sweepIntervalMs: config.ALERT_SWEEP_INTERVAL_MS,
    ruleCacheMs: config.ALERT_RULE_CACHE_MS,
    onTransition: metrics?.alertTransition,
    onDeliveryAttempt: metrics?.webhookAttempt,
  });
  const liveStream = createLiveStream({
    logger,
    pointsCommitted,
    maxPerKey: config.STREAM_MAX_PER_KEY,
    maxTotal: config.STREAM_MAX_TOTAL,
    pollIntervalMs: config.STREAM_POLL_INTERVAL_MS,
    batchMs: config.STREAM_BATCH_MS,
    keyCheckMs: config.STREAM_KEY_CHECK_MS,
    replay: { maxPoints: 1000, windowMs: config.STREAM_REPLAY_WINDOW_MS },
  });
  if (metrics) {
    registerStateGauges(metrics.register, {
      pingDatabase,
      openStreams: liveStream.slots.open,
      deliveryBacklog: () => countDeliveryBacklog(config.QUERY_MAX_TIME_MS),
    });
  }
  return {
    config,
    logger,
    verifyKey: createKeyVerifier({
      cacheSize: config.VERIFIED_KEY_CACHE_SIZE,
      maxTimeMS: config.QUERY_MAX_TIME_MS,
      compare: overrides.compare,
    }),
    recordLastUsed: createLastUsedRecorder(config.LAST_USED_WRITE_INTERVAL_MS, logger),
    pingDatabase,
    loadBucket: createBucketLookup(config.QUERY_MAX_TIME_MS),
    findBucketByName: createBucketByName(config.QUERY_MAX_TIME_MS),
    usage: config.USAGE_METERING ? createUsageMeter({ flushMs: config.USAGE_FLUSH_INTERVAL_MS, logger }) : meteringOff,
    sourcesForMeasurements: createSourcesForMeasurements(createSourceByName(config.QUERY_MAX_TIME_MS)),
    loadSource: createSourceLookup(config.QUERY_MAX_TIME_MS),
    commitPoints: committer.commit,
    pointsCommitted,
    queryGate: createConcurrencyGate(config.QUERY_MAX_CONCURRENT_PER_KEY),
    alerting,
    liveStream,
    keyIsActive: createKeyStatusCheck(config.QUERY_MAX_TIME_MS),
    metrics,
    rateLimitStore: config.RATE_LIMIT_STORE === 'mongodb' ? new MongoRateLimitStore() : new MemoryStore(),
    pointsNotStored: ({ transport, points, failed }) => metrics?.pointsIngested(transport, failed ? 'failed' : 'refused', points),
    drainWrites: committer.drain,
  };
}
