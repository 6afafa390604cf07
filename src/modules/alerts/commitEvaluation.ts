import { Types } from 'mongoose';
import { dataSourceNameOf } from '../sources/sources.service';
import { alertPayload } from './alertPayload';
import type { Evaluation } from './evaluateRule';
import { AlertRuleModel, type AlertRuleRecord, type OutboxEntry } from './model';

/** What the evaluator keeps of a rule: everything but its secrets and pending outbox. */
export type EvaluatedRule = Omit<AlertRuleRecord, 'webhookSecrets' | 'outbox'>;
export const evaluatedRuleProjection = { webhookSecrets: 0, outbox: 0 } as const;

/**
 * Writes an evaluation's outcome as one conditional update: it applies only if the rule is
 * still active and at the version the evaluation started from, and the notifications it owes
 * go into the rule's outbox in the same write. So a transition is recorded with its
 * notifications or not at all, and two instances can never both make it. Returns the rule
 * as written, or null when another writer (or a pause, or a delete) came first.
 */
export async function commitEvaluation(rule: EvaluatedRule, { next, events }: Evaluation, now: Date): Promise<EvaluatedRule | null> {
  const dataSourceName = events.length > 0 ? ((await dataSourceNameOf(rule.dataSourceId)) ?? '') : '';
  const outbox: OutboxEntry[] = events.map(({ type, point, at }) => {
    const webhookId = new Types.ObjectId();
    return { _id: webhookId, type, body: alertPayload({ webhookId, type, rule, dataSourceName, point, at }), createdAt: now };
  });
  const { state, pendingSince, lastPointAt, lastTriggeredAt, lastResolvedAt } = next;
  return AlertRuleModel.findOneAndUpdate(
    { _id: rule._id, stateVersion: rule.stateVersion, status: 'active' },
    {
      $set: { state, pendingSince, lastPointAt, lastTriggeredAt, lastResolvedAt },
      $inc: { stateVersion: 1 },
      ...(outbox.length > 0 ? { $push: { outbox: { $each: outbox } } } : {}),
    },
    { returnDocument: 'after', projection: evaluatedRuleProjection },
  ).lean<EvaluatedRule>();
}
