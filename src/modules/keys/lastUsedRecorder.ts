import type { Logger } from '../../logger';
import { ApiKeyModel } from './model';

export type LastUsedRecorder = (keyId: string) => void;

/**
 * Records `lastUsedAt` at most once per interval per key in this process, after the
 * response path: the write is scheduled, never awaited by a request.
 */
export function createLastUsedRecorder(intervalMs: number, logger: Logger): LastUsedRecorder {
  const lastWriteByKey = new Map<string, number>();
  return (keyId) => {
    const now = Date.now();
    const last = lastWriteByKey.get(keyId);
    if (last !== undefined && now - last < intervalMs) return;
    lastWriteByKey.set(keyId, now);
    if (lastWriteByKey.size > 100_000) lastWriteByKey.clear();
    setImmediate(() => {
      ApiKeyModel.updateOne({ _id: keyId }, { $set: { lastUsedAt: new Date(now) } }).catch((error: Error) =>
        logger.warn({ keyId, err: error.message }, 'could not record lastUsedAt'),
      );
    });
  };
}
