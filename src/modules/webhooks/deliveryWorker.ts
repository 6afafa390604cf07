import type { Logger } from '../../logger';
import { attemptDelivery, type AttemptContext } from './attemptDelivery';
import { WebhookDeliveryModel, type WebhookDeliveryRecord } from './model';

export interface DeliveryWorkerOptions extends AttemptContext {
  logger: Logger;
  pollIntervalMs: number;
  concurrency: number;
  /** Runs before each look for due deliveries: turns notifications owed elsewhere into deliveries. */
  collectOwed: () => Promise<void>;
}

/** Attempts run at most this long past their timeout before another instance may take them over. */
const claimMarginMs = 5000;

const claimBy = (instanceId: string, timeoutMs: number, now: Date) => ({
  $set: { status: 'delivering', lockedBy: instanceId, lockedUntil: new Date(now.getTime() + timeoutMs + claimMarginMs) },
  $inc: { attemptCount: 1 },
});

/**
 * Claims one delivery, with one atomic update, so two instances never claim the same one:
 * one claimed by an instance whose claim lapsed (it crashed mid-attempt), or the pending one
 * due longest. Two queries, each reading one index in order ({status, lockedUntil},
 * {status, nextAttemptAt}): an $or of both would sort every due delivery in memory, which a
 * long receiver outage could push past the database's sort limit.
 */
async function claimLapsed(instanceId: string, timeoutMs: number): Promise<WebhookDeliveryRecord | null> {
  const now = new Date();
  const filter = { status: 'delivering', lockedUntil: { $lt: now } };
  return WebhookDeliveryModel.collection.findOneAndUpdate(filter, claimBy(instanceId, timeoutMs, now), {
    returnDocument: 'after',
  }) as Promise<WebhookDeliveryRecord | null>;
}

async function claimPending(instanceId: string, timeoutMs: number): Promise<WebhookDeliveryRecord | null> {
  const now = new Date();
  return WebhookDeliveryModel.collection.findOneAndUpdate(
    { status: 'pending', nextAttemptAt: { $lte: now } },
    claimBy(instanceId, timeoutMs, now),
    {
      sort: { nextAttemptAt: 1 },
      returnDocument: 'after',
    },
  ) as Promise<WebhookDeliveryRecord | null>;
}

/**
 * Every instance runs one: it polls for due deliveries, and is nudged when this instance
 * owes new ones. Delivery is at least once: a claim that lapses is attempted again, with the
 * same webhook-id, by whichever instance looks next.
 */
export function createDeliveryWorker(options: DeliveryWorkerOptions) {
  const { logger, pollIntervalMs, concurrency, collectOwed } = options;
  const inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | null = null;
  let polling: Promise<void> | null = null;
  let again = false;
  let stopped = true;

  async function fill(): Promise<void> {
    await collectOwed();
    // Lapsed claims are rare: looked for until none is left, then only due pending ones.
    let lapsedLeft = true;
    while (!stopped && inFlight.size < concurrency) {
      const lapsed: WebhookDeliveryRecord | null = lapsedLeft ? await claimLapsed(options.instanceId, options.timeoutMs) : null;
      lapsedLeft = lapsed !== null;
      const delivery = lapsed ?? (await claimPending(options.instanceId, options.timeoutMs));
      if (!delivery) return;
      const attempt = attemptDelivery(delivery, options)
        .catch((error: Error) =>
          logger.error({ err: error.message, deliveryId: delivery._id.toHexString() }, 'webhook attempt failed to record'),
        )
        .finally(() => {
          inFlight.delete(attempt);
          if (!stopped) poll();
        });
      inFlight.add(attempt);
    }
  }

  function poll(): void {
    if (stopped) return;
    if (polling) {
      again = true;
      return;
    }
    polling = fill()
      .catch((error: Error) => logger.warn({ err: error.message }, 'looking for webhook deliveries failed'))
      .finally(() => {
        polling = null;
        if (again) {
          again = false;
          poll();
        }
      });
  }

  return {
    start: () => {
      stopped = false;
      timer = setInterval(poll, pollIntervalMs);
      timer.unref();
      poll();
    },
    /** Look now rather than at the next poll. */
    nudge: poll,
    /** Stops claiming; waits for attempts in flight, so their outcome is recorded. */
    stop: async () => {
      stopped = true;
      if (timer) clearInterval(timer);
      await polling;
      await Promise.all([...inFlight]);
    },
  };
}
