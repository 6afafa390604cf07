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

/** Whether a point bearing on the rule (as for newestPointFor) is stored with a timestamp after `after`. */
export const hasNewerPointFor = (rule: Pick<EvaluatedRule, 'bucketId' | 'dataSourceId' | 'parsedCondition'>, after: Date) =>
  hasPointAfter(rule.bucketId, rule.dataSourceId, after, fieldOf(rule));
