import { latestPointOf } from '../points/pointStore';
import type { EvaluatedRule } from './commitEvaluation';

/**
 * The newest stored point that bears on a rule: for a threshold, the newest with its field
 * (a point without it neither matches nor breaks the condition); for no-data, any point.
 */
export function newestPointFor(rule: Pick<EvaluatedRule, 'bucketId' | 'dataSourceId' | 'parsedCondition'>) {
  const condition = rule.parsedCondition;
  return latestPointOf(rule.bucketId, rule.dataSourceId, condition.kind === 'threshold' ? condition.field : undefined);
}
