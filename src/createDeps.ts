import type { Config } from './config';
import { pingDatabase } from './db/pingDatabase';
import type { AppDeps } from './http/route';
import type { Logger } from './logger';
import { createLastUsedRecorder } from './modules/keys/lastUsedRecorder';
import { createKeyVerifier, type KeyVerifierOptions } from './modules/keys/verifyKey';

export function createDeps(
  config: Config,
  logger: Logger,
  overrides: { compare?: KeyVerifierOptions['compare'] } = {},
): AppDeps {
  return {
    config,
    logger,
    verifyKey: createKeyVerifier({ cacheSize: config.VERIFIED_KEY_CACHE_SIZE, compare: overrides.compare }),
    recordLastUsed: createLastUsedRecorder(config.LAST_USED_WRITE_INTERVAL_MS, logger),
    pingDatabase,
  };
}
