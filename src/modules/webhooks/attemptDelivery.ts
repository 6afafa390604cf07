import type { Types } from 'mongoose';
import { serverVersion } from '../../shared/version';
import { attemptsKept, WebhookDeliveryModel, type DeliveryStatus, type WebhookDeliveryRecord } from './model';
import { nextAttemptDelayMs } from './retrySchedule';
import type { WebhookOutcome, WebhookSender } from './sendWebhook';
import { UnopenableSecretError } from './secretBox';
import { signatureHeader } from './signature';

/** Where a delivery goes and what signs it, read at each attempt so URL changes and rotations apply to retries. */
export interface WebhookTarget {
  url: string;
  secrets: string[];
}

export interface AttemptContext {
  instanceId: string;
  send: WebhookSender;
  targetOf: (alertRuleId: Types.ObjectId) => Promise<WebhookTarget | null>;
  /** A 410 Gone from the receiver: stop sending to this rule's webhook. */
  disableWebhook: (alertRuleId: Types.ObjectId) => Promise<void>;
  schedule: readonly number[];
  timeoutMs: number;
  /** Told how each attempt ended (the metrics count them); never delays the attempt's record. */
  onAttempt?: (result: DeliveryResult) => void;
}

/** How an attempt ended: `retry` failed with another attempt scheduled; `rule_gone` found its rule deleted. */
export type DeliveryResult = 'succeeded' | 'retry' | 'failed' | 'exhausted' | 'rule_gone';

const userAgent = `dakkio-webhooks/${serverVersion}`;
const isSuccess = (code: number | null) => code !== null && code >= 200 && code < 300;

const ruleGone: WebhookOutcome = { statusCode: null, durationMs: 0, error: 'The alert rule no longer exists', retryAfterSeconds: null };

/** Could not look up, open or sign: a failed attempt like any other, so the schedule still ends it. */
const unsendable = (error: unknown): WebhookOutcome => ({
  statusCode: null,
  durationMs: 0,
  error:
    error instanceof UnopenableSecretError
      ? 'Not sent: the webhook secret could not be opened (is WEBHOOK_SECRET_KEY the same on every instance?)'
      : 'Not sent: the rule could not be read',
  retryAfterSeconds: null,
});

async function send(delivery: WebhookDeliveryRecord, ctx: AttemptContext): Promise<WebhookOutcome> {
  let target: WebhookTarget | null;
  let signature: string;
  const webhookId = delivery._id.toHexString();
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    target = await ctx.targetOf(delivery.alertRuleId);
    if (!target) return ruleGone;
    signature = signatureHeader(target.secrets, webhookId, timestamp, delivery.body);
  } catch (error) {
    return unsendable(error);
  }
  return ctx.send({
    url: target.url,
    timeoutMs: ctx.timeoutMs,
    body: delivery.body,
    headers: {
      'content-type': 'application/json',
      'user-agent': userAgent,
      'webhook-id': webhookId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    },
  });
}

function outcomeStatus(outcome: WebhookOutcome, delivery: WebhookDeliveryRecord, schedule: readonly number[]) {
  if (isSuccess(outcome.statusCode)) return { status: 'succeeded' as DeliveryStatus, nextAttemptAt: null };
  if (outcome.statusCode === 410) return { status: 'failed' as DeliveryStatus, nextAttemptAt: null };
  const delayMs = nextAttemptDelayMs(schedule, delivery.attemptCount, outcome.retryAfterSeconds);
  if (delayMs === null) return { status: 'exhausted' as DeliveryStatus, nextAttemptAt: null };
  return { status: 'pending' as DeliveryStatus, nextAttemptAt: new Date(Date.now() + delayMs) };
}

/**
 * One attempt of a delivery this instance has claimed, and its record. The record applies
 * only while the claim is still this instance's, for this attempt: if the claim lapsed and
 * another instance took over, its record wins.
 */
export async function attemptDelivery(delivery: WebhookDeliveryRecord, ctx: AttemptContext): Promise<void> {
  const at = new Date();
  const outcome = await send(delivery, ctx);
  if (outcome === ruleGone) {
    // Recorded after its rule was deleted (a race with the delete): the rule's log is gone with it.
    await WebhookDeliveryModel.collection.deleteOne({ _id: delivery._id, lockedBy: ctx.instanceId });
    ctx.onAttempt?.('rule_gone');
    return;
  }
  const { status, nextAttemptAt } = outcomeStatus(outcome, delivery, ctx.schedule);
  const attempt = { at, statusCode: outcome.statusCode, durationMs: Math.round(outcome.durationMs), error: outcome.error };
  await WebhookDeliveryModel.collection.updateOne(
    { _id: delivery._id, lockedBy: ctx.instanceId, attemptCount: delivery.attemptCount },
    {
      $set: {
        status,
        nextAttemptAt,
        lockedUntil: null,
        lockedBy: null,
        lastStatusCode: outcome.statusCode,
        lastError: outcome.error,
        attempts: [...delivery.attempts, attempt].slice(-attemptsKept),
        ...(status === 'succeeded' ? { deliveredAt: new Date() } : {}),
      },
    },
  );
  ctx.onAttempt?.(status === 'pending' ? 'retry' : (status as Exclude<DeliveryStatus, 'pending' | 'delivering'>));
  if (outcome.statusCode === 410) await ctx.disableWebhook(delivery.alertRuleId);
}
