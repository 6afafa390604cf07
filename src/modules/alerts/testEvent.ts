import { Types } from 'mongoose';
import type { BucketRecord } from '../buckets/model';
import { dataSourceNameOf } from '../sources/sources.service';
import { DomainError } from '../../shared/errors';
import { deleteDelivery, enqueueDelivery } from '../webhooks/deliveries.service';
import { alertPayload } from './alertPayload';
import { findAlertRule } from './alertRules.service';
import { AlertRuleModel } from './model';

/** Queues an `alert.test` delivery straight away: it changes no rule state, so it needs no outbox. */
export async function queueTestEvent(bucket: BucketRecord, alertId: string, firstDelayMs: number): Promise<Types.ObjectId> {
  const rule = await findAlertRule(bucket, alertId);
  const webhookId = new Types.ObjectId();
  const now = new Date();
  const dataSourceName = (await dataSourceNameOf(rule.dataSourceId)) ?? '';
  const body = alertPayload({ webhookId, type: 'alert.test', rule, dataSourceName, point: null, at: now });
  const { organizationId, bucketId, dataSourceId } = rule;
  await enqueueDelivery(
    { _id: webhookId, alertRuleId: rule._id, organizationId, bucketId, dataSourceId, type: 'alert.test', body, createdAt: now },
    firstDelayMs,
  );
  // A delete removes the rule before its deliveries: a rule gone now may have missed this one.
  if (!(await AlertRuleModel.exists({ _id: rule._id }))) {
    await deleteDelivery(webhookId);
    throw new DomainError('ALERT_RULE_NOT_FOUND');
  }
  return webhookId;
}
