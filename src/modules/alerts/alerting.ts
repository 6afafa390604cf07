import { randomUUID } from 'node:crypto';
import type { Logger } from '../../logger';
import type { PointsCommittedBus } from '../ingest/pointsCommitted';
import { enqueueDelivery } from '../webhooks/deliveries.service';
import { createDeliveryWorker } from '../webhooks/deliveryWorker';
import { withJitter } from '../webhooks/retrySchedule';
import type { SecretBox } from '../webhooks/secretBox';
import type { DeliveryResult } from '../webhooks/attemptDelivery';
import type { WebhookSender } from '../webhooks/sendWebhook';
import { createAlertEvaluator } from './alertEvaluator';
import { createAlertSweeper } from './alertSweeper';
import type { RuleState } from './model';
import { createRuleCache } from './ruleCache';
import { collectOwedNotifications, disableWebhook, webhookTargetOf } from './webhookTarget';

export interface AlertingOptions {
  logger: Logger;
  pointsCommitted: PointsCommittedBus;
  secretBox: SecretBox;
  send: WebhookSender;
  /** Seconds before each attempt; the first entry is the delay before the first one. */
  retrySchedule: readonly number[];
  timeoutMs: number;
  pollIntervalMs: number;
  concurrency: number;
  sweepIntervalMs: number;
  ruleCacheMs: number;
  /** Told of each rule state change and each webhook attempt of this instance (the metrics count them). */
  onTransition?: (from: RuleState, to: RuleState) => void;
  onDeliveryAttempt?: (result: DeliveryResult) => void;
}

export interface Alerting {
  secretBox: SecretBox;
  /** When a notification queued now is first attempted. */
  firstAttemptDelayMs: () => number;
  /** Look for due deliveries now rather than at the next poll. */
  nudgeDeliveries: () => void;
  /**
   * A rule of this data source was created, changed or deleted here: the next points are
   * evaluated against the rules as they are now (other instances see it within ruleCacheMs).
   */
  rulesChanged: (dataSourceId: string) => void;
  start: () => void;
  /** Stops evaluating, sweeping and claiming; waits for work in flight. */
  stop: () => Promise<void>;
  /** Resolves once the points committed so far were evaluated. */
  idle: () => Promise<void>;
}

/**
 * Alerting as one instance runs it: evaluation of committed points, the sweeper (one
 * instance at a time) and the webhook delivery worker (every instance), all coordinated
 * through the database so any number of instances may run side by side.
 */
export function createAlerting(options: AlertingOptions): Alerting {
  const { logger, secretBox, retrySchedule } = options;
  const instanceId = randomUUID();
  const cache = createRuleCache(options.ruleCacheMs);
  const firstAttemptDelayMs = () => withJitter(retrySchedule[0] ?? 0);
  const worker = createDeliveryWorker({
    instanceId,
    logger,
    send: options.send,
    targetOf: (ruleId) => webhookTargetOf(secretBox, ruleId),
    disableWebhook,
    schedule: retrySchedule,
    timeoutMs: options.timeoutMs,
    pollIntervalMs: options.pollIntervalMs,
    concurrency: options.concurrency,
    onAttempt: options.onDeliveryAttempt,
    collectOwed: () => collectOwedNotifications((delivery) => enqueueDelivery(delivery, firstAttemptDelayMs())),
  });
  const { onTransition } = options;
  const evaluator = createAlertEvaluator({ cache, logger, onNotificationsOwed: worker.nudge, onTransition });
  const sweeper = createAlertSweeper({
    instanceId,
    intervalMs: options.sweepIntervalMs,
    cache,
    logger,
    onNotificationsOwed: worker.nudge,
    onTransition,
  });
  let unsubscribe: (() => void) | null = null;

  return {
    secretBox,
    firstAttemptDelayMs,
    nudgeDeliveries: worker.nudge,
    rulesChanged: cache.forget,
    start: () => {
      unsubscribe ??= options.pointsCommitted.subscribe(evaluator.onPointsCommitted);
      sweeper.start();
      worker.start();
    },
    stop: async () => {
      unsubscribe?.();
      unsubscribe = null;
      // All at once: the worker stops claiming at the start, not after evaluation drained.
      // Notifications owed by the last evaluations wait in the outbox for any instance.
      await Promise.all([evaluator.idle(), sweeper.stop(), worker.stop()]);
    },
    idle: evaluator.idle,
  };
}
