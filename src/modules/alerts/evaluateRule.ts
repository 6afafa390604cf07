import type { DataPointRecord } from '../points/model';
import type { RuleState } from './model';
import { conditionHolds, type ParsedCondition } from './parseCondition';

/** What evaluation reads and changes of a rule. */
export interface RuleStateSnapshot {
  parsedCondition: ParsedCondition;
  cooldownMinutes: number;
  state: RuleState;
  pendingSince: Date | null;
  lastPointAt: Date | null;
  lastTriggeredAt: Date | null;
  lastResolvedAt: Date | null;
}

export type EvaluatedPoint = Pick<DataPointRecord, 'timestamp' | 'values' | 'metadata'>;

export interface AlertEvent {
  type: 'alert.triggered' | 'alert.resolved';
  /** The point that caused it; null when the sweeper decided on silence. */
  point: EvaluatedPoint | null;
  at: Date;
}

export interface Evaluation {
  next: RuleStateSnapshot;
  events: AlertEvent[];
  /** Whether state, pendingSince or a trigger/resolve time changed: only then is a write needed. */
  changed: boolean;
}

/** Only the state fields: the rule passed in may be a whole stored document. */
export const snapshotOf = ({
  parsedCondition,
  cooldownMinutes,
  state,
  pendingSince,
  lastPointAt,
  lastTriggeredAt,
  lastResolvedAt,
}: RuleStateSnapshot) => ({
  parsedCondition,
  cooldownMinutes,
  state,
  pendingSince,
  lastPointAt,
  lastTriggeredAt,
  lastResolvedAt,
});

const later = (a: Date | null, b: Date): Date => (a && a.getTime() >= b.getTime() ? a : b);

/** Whether a point counts as data received for a no-data rule: recent enough to end the silence. */
export const endsSilence = (pointAt: Date, forSeconds: number, now: Date) => pointAt.getTime() > now.getTime() - forSeconds * 1000;

/**
 * Runs points (any order; sorted here by timestamp) through a rule's state machine:
 * ok → (pending →) firing → ok. Points older than the newest one the rule already evaluated
 * are skipped, so a late point never flips the state. Cooldown is wall-clock time since the
 * last trigger; `for` is measured on point timestamps.
 */
export function evaluatePoints(rule: RuleStateSnapshot, points: readonly EvaluatedPoint[], now: Date): Evaluation {
  const next = snapshotOf(rule);
  const events: AlertEvent[] = [];
  const sorted = points.length < 2 ? points : [...points].sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
  const condition = rule.parsedCondition;
  for (const point of sorted) {
    if (next.lastPointAt && point.timestamp.getTime() < next.lastPointAt.getTime()) continue;
    if (condition.kind === 'no_data') {
      next.lastPointAt = later(next.lastPointAt, point.timestamp);
      if (next.state === 'firing' && endsSilence(point.timestamp, condition.forSeconds, now)) resolve(next, events, point, now);
      continue;
    }
    // A point without the field neither matches nor breaks the condition, so it makes no later point late.
    const value = point.values[condition.field];
    if (typeof value !== 'number') continue;
    next.lastPointAt = later(next.lastPointAt, point.timestamp);
    if (!conditionHolds(condition, value)) {
      if (next.state === 'firing') resolve(next, events, point, now);
      else if (next.state === 'pending') Object.assign(next, { state: 'ok', pendingSince: null });
      continue;
    }
    if (next.state === 'firing') {
      const quietUntil = (next.lastTriggeredAt?.getTime() ?? 0) + next.cooldownMinutes * 60_000;
      if (now.getTime() >= quietUntil) trigger(next, events, point, now);
    } else if (!condition.forSeconds) {
      trigger(next, events, point, now);
    } else {
      if (next.state === 'ok') Object.assign(next, { state: 'pending', pendingSince: point.timestamp });
      const heldMs = point.timestamp.getTime() - (next.pendingSince as Date).getTime();
      if (heldMs >= condition.forSeconds * 1000) trigger(next, events, point, now);
    }
  }
  return { next, events, changed: stateChanged(rule, next) };
}

export function trigger(next: RuleStateSnapshot, events: AlertEvent[], point: EvaluatedPoint | null, now: Date): void {
  Object.assign(next, { state: 'firing', pendingSince: null, lastTriggeredAt: now });
  events.push({ type: 'alert.triggered', point, at: now });
}

export function resolve(next: RuleStateSnapshot, events: AlertEvent[], point: EvaluatedPoint | null, now: Date): void {
  Object.assign(next, { state: 'ok', pendingSince: null, lastResolvedAt: now });
  events.push({ type: 'alert.resolved', point, at: now });
}

const time = (date: Date | null) => date?.getTime() ?? null;

export const stateChanged = (before: RuleStateSnapshot, after: RuleStateSnapshot): boolean =>
  before.state !== after.state ||
  time(before.pendingSince) !== time(after.pendingSince) ||
  time(before.lastTriggeredAt) !== time(after.lastTriggeredAt) ||
  time(before.lastResolvedAt) !== time(after.lastResolvedAt);
