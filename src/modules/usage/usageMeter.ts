import type { Logger } from '../../logger';
import { addApiCalls, monthOf, storedApiCalls } from './usageStore';

export interface UsageMeter {
  /** One authenticated request of the organization: counted in memory, no database write. */
  count: (organizationId: string) => void;
  /** The month's calls of every instance as flushed so far, plus this instance's not yet flushed. */
  /** null when metering is off. */
  apiCallsThisMonth: (organizationId: string, now?: Date) => Promise<number | null>;
  start: () => void;
  /** Stops the timer and writes what is counted (graceful shutdown). */
  stop: () => Promise<void>;
}

const keyOf = (organizationId: string, month: string) => `${organizationId}|${month}`;

/**
 * API calls per organization, counted in memory and added to the month's document with
 * `$inc` every `flushMs`, so counts from several instances add up without a write per
 * request. A failed flush keeps its counts for the next one.
 */
export function createUsageMeter(options: { flushMs: number; logger: Logger }): UsageMeter {
  let pending = new Map<string, number>();
  /** Counts being written now: still this instance's to report until the write is done. */
  let inFlight = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (pending.size === 0) return flushing;
    const taken = pending;
    pending = new Map();
    inFlight = taken;
    const counts = [...taken].map(([key, calls]) => {
      const [organizationId = '', month = ''] = key.split('|');
      return { organizationId, month, calls };
    });
    flushing = flushing
      .then(() => addApiCalls(counts))
      .catch((error: Error) => {
        for (const [key, calls] of taken) pending.set(key, (pending.get(key) ?? 0) + calls);
        options.logger.warn({ err: error.message }, 'usage flush failed; the counts are kept for the next one');
      })
      .finally(() => {
        if (inFlight === taken) inFlight = new Map();
      });
    return flushing;
  };

  return {
    count: (organizationId) => {
      const key = keyOf(organizationId, monthOf(new Date()));
      pending.set(key, (pending.get(key) ?? 0) + 1);
    },
    apiCallsThisMonth: async (organizationId, now = new Date()) => {
      const month = monthOf(now);
      const key = keyOf(organizationId, month);
      const unwritten = (pending.get(key) ?? 0) + (inFlight.get(key) ?? 0);
      return (await storedApiCalls(organizationId, month)) + unwritten;
    },
    start: () => {
      timer ??= setInterval(() => void flush(), options.flushMs);
      timer.unref();
    },
    stop: async () => {
      clearInterval(timer);
      timer = undefined;
      await flush();
    },
  };
}

/** USAGE_METERING=false: nothing is counted or written, and the month's calls are unknown (null). */
export const meteringOff: UsageMeter = {
  count: () => undefined,
  apiCallsThisMonth: async () => null,
  start: () => undefined,
  stop: async () => undefined,
};
