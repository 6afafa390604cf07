import { hasPointAfter, latestPointOf } from '../points/pointStore';
import type { EvaluatedRule } from './commitEvaluation';

/**
 * The newest stored point that bears on a rule: for a threshold, the newest with its field
 * (a point without it neither matches nor breaks the condition); for no-data, any point.
 */
const fieldOf = (rule: Pick<EvaluatedRule, 'parsedCondition'>) =>
  rule.parsedCondition.kind === 'threshold' ? rule.parsedCondition.field : undefined;

export function newestPointFor(rule: Pick<EvaluatedRule, 'bucketId' | 'dataSourceId' | 'parsedCondition'>) {
  return latestPointOf(rule.bucketId, rule.dataSourceId, fieldOf(rule));
}

/**
 * Whether points are late for a rule: a point bearing on it (as for newestPointFor) with a
 * later timestamp was stored before they were. Points stored at the same time or after are
 * concurrent, not earlier: they are evaluated after these, wherever they arrived.
 */
export const newerPointStoredBefore = (
  rule: Pick<EvaluatedRule, 'bucketId' | 'dataSourceId' | 'parsedCondition'>,
  points: { newest: Date; storedAt: Date },
) => hasPointAfter(rule.bucketId, rule.dataSourceId, { after: points.newest, storedBefore: points.storedAt, field: fieldOf(rule) });
