import mongoose, { type Types } from 'mongoose';
import { collections } from '../../shared/collections';
import type { WebhookTarget } from '../webhooks/attemptDelivery';
import type { NewDelivery } from '../webhooks/model';
import type { SecretBox } from '../webhooks/secretBox';
import { AlertRuleModel, type AlertRuleRecord, type OutboxEntry } from './model';
import { signingSecrets } from './ruleSecrets';

/** Where a rule's deliveries go and the secrets that sign them; null once the rule is gone. */
export async function webhookTargetOf(box: SecretBox, ruleId: Types.ObjectId): Promise<WebhookTarget | null> {
  const rule = await AlertRuleModel.findById(ruleId, { webhookUrl: 1, webhookSecrets: 1 }).lean<
    Pick<AlertRuleRecord, '_id' | 'webhookUrl' | 'webhookSecrets'>
  >();
  return rule && { url: rule.webhookUrl, secrets: signingSecrets(box, rule._id, rule.webhookSecrets) };
}

/**
 * The receiver answered 410 Gone: the rule stops being evaluated until someone sets it active
 * again. A paused rule is disabled too, or resuming it would send to the gone endpoint.
 */
export async function disableWebhook(ruleId: Types.ObjectId): Promise<void> {
  await AlertRuleModel.updateOne({ _id: ruleId, status: { $ne: 'disabled' } }, { $set: { status: 'disabled' } });
}

type RuleWithOutbox = Pick<AlertRuleRecord, '_id' | 'organizationId' | 'bucketId' | 'dataSourceId' | 'outbox'>;

/**
 * Moves notifications owed by transitions from rules' outboxes into deliveries: record the
 * delivery (keyed by its webhook-id, so doing it twice is harmless), then take it out of the
 * outbox. Any instance may run it at any time; a crash in between only repeats the first step.
 */
export async function collectOwedNotifications(enqueue: (delivery: NewDelivery) => Promise<void>, batch = 100): Promise<void> {
  const rules = await AlertRuleModel.find(
    { 'outbox._id': { $exists: true } },
    { organizationId: 1, bucketId: 1, dataSourceId: 1, outbox: 1 },
  )
    .limit(batch)
    .lean<RuleWithOutbox[]>();
  const raw = mongoose.connection.collection(collections.alertRules);
  for (const rule of rules) {
    for (const entry of rule.outbox as OutboxEntry[]) {
      const { organizationId, bucketId, dataSourceId } = rule;
      await enqueue({
        _id: entry._id,
        alertRuleId: rule._id,
        organizationId,
        bucketId,
        dataSourceId,
        type: entry.type,
        body: entry.body,
        createdAt: entry.createdAt,
      });
      await raw.updateOne({ _id: rule._id }, { $pull: { outbox: { _id: entry._id } } } as never);
    }
  }
}
