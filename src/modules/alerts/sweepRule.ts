import {
  endsSilence,
  resolve,
  snapshotOf,
  stateChanged,
  trigger,
  type EvaluatedPoint,
  type Evaluation,
  type RuleStateSnapshot,
} from './evaluateRule';
import { conditionHolds } from './parseCondition';

/**
 * What time alone decides, with no new point: a no-data rule fires once its source has been
 * silent for the duration (counted from its newest point, or from when the rule was armed),
 * and resolves when a recent point exists; a pending `for` condition fires once it has held
 * that long on the newest point (sample and hold), or drops back to ok if that point no
 * longer matches.
 */
export function sweepRule(rule: RuleStateSnapshot & { armedAt: Date }, latest: EvaluatedPoint | null, now: Date): Evaluation {
  const next = snapshotOf(rule);
  const events: Evaluation['events'] = [];
  const condition = rule.parsedCondition;
  if (condition.kind === 'no_data') {
    const lastHeard = latest && latest.timestamp > rule.armedAt ? latest.timestamp : rule.armedAt;
    const silent = !endsSilence(lastHeard, condition.forSeconds, now);
    if (rule.state !== 'firing' && silent) trigger(next, events, latest, now);
    else if (rule.state === 'firing' && !silent) resolve(next, events, latest, now);
  } else if (rule.state === 'pending' && rule.pendingSince && condition.forSeconds) {
    const value = latest?.values[condition.field];
    const stillHolds =
      latest !== null && latest.timestamp >= rule.pendingSince && typeof value === 'number' && conditionHolds(condition, value);
    if (!stillHolds) Object.assign(next, { state: 'ok', pendingSince: null });
    else if (now.getTime() - rule.pendingSince.getTime() >= condition.forSeconds * 1000) trigger(next, events, latest, now);
  }
  return { next, events, changed: stateChanged(rule, next) };
}
