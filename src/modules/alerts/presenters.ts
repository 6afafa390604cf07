import type { AlertEventType, AlertRuleRecord } from './model';
import type { WebhookDeliveryRecord } from '../webhooks/model';

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

/** Never the secrets, the outbox or the evaluation internals. */
export const toAlertRuleResponse = (rule: Omit<AlertRuleRecord, 'webhookSecrets' | 'outbox'>) => ({
  _id: rule._id.toHexString(),
  bucketId: rule.bucketId.toHexString(),
  dataSourceId: rule.dataSourceId.toHexString(),
  name: rule.name,
  condition: rule.condition,
  parsedCondition: rule.parsedCondition,
  webhookUrl: rule.webhookUrl,
  status: rule.status,
  state: rule.state,
  cooldownMinutes: rule.cooldownMinutes,
  lastTriggeredAt: iso(rule.lastTriggeredAt),
  lastResolvedAt: iso(rule.lastResolvedAt),
  createdAt: rule.createdAt.toISOString(),
  updatedAt: rule.updatedAt.toISOString(),
});

export const toDeliveryResponse = (delivery: WebhookDeliveryRecord) => ({
  _id: delivery._id.toHexString(),
  alertRuleId: delivery.alertRuleId.toHexString(),
  type: delivery.type as AlertEventType,
  status: delivery.status,
  attemptCount: delivery.attemptCount,
  lastStatusCode: delivery.lastStatusCode,
  lastError: delivery.lastError,
  nextAttemptAt: iso(delivery.nextAttemptAt),
  createdAt: delivery.createdAt.toISOString(),
  deliveredAt: iso(delivery.deliveredAt),
});

export const toDeliveryDetail = (delivery: WebhookDeliveryRecord) => ({
  ...toDeliveryResponse(delivery),
  body: delivery.body,
  attempts: delivery.attempts.map((attempt) => ({
    at: attempt.at.toISOString(),
    statusCode: attempt.statusCode ?? null,
    durationMs: attempt.durationMs,
    error: attempt.error ?? null,
  })),
});
