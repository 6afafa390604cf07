import type { Config } from './config';
import { pingDatabase } from './db/pingDatabase';
import type { AppDeps } from './http/route';
import type { Logger } from './logger';
import { createBucketLookup } from './modules/buckets/bucketLookup';
import { createLastUsedRecorder } from './modules/keys/lastUsedRecorder';
import { createKeyVerifier, type KeyVerifierOptions } from './modules/keys/verifyKey';
import { createGroupCommitter } from './modules/ingest/groupCommit';
import { createPointsCommittedBus } from './modules/ingest/pointsCommitted';
import { createConcurrencyGate } from './modules/query/concurrencyGate';
import { createSourceLookup } from './modules/sources/sourceLookup';

export interface DepsOverrides {
  compare?: KeyVerifierOptions['compare'];
}

export function createDeps(config: Config, logger: Logger, overrides: DepsOverrides = {}): AppDeps & { drainWrites: () => Promise<void> } {
  const committer = createGroupCommitter({
    windowMs: config.GROUP_COMMIT_WINDOW_MS,
    maxPoints: config.GROUP_COMMIT_MAX_POINTS,
    maxBytes: config.GROUP_COMMIT_MAX_BYTES,
  });
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
    loadSource: createSourceLookup(config.QUERY_MAX_TIME_MS),
    commitPoints: committer.commit,
    pointsCommitted: createPointsCommittedBus(logger),
    queryGate: createConcurrencyGate(config.QUERY_MAX_CONCURRENT_PER_KEY),
    drainWrites: committer.drain,
  };
}
