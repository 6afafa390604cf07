import type { Logger } from '../../logger';
import type { PointsCommitted } from '../ingest/pointsCommitted';
import type { DataPointRecord } from '../points/model';
import { activeRule } from './ruleStore';
import { commitEvaluation, type EvaluatedRule } from './commitEvaluation';
import { evaluatePoints, type Evaluation } from './evaluateRule';
import { newerPointStoredBefore } from './newestPoint';
import type { RuleState } from './model';
import type { RuleCache } from './ruleCache';

export interface EvaluatorOptions {
  cache: RuleCache;
  logger: Logger;
  /** Called after a transition put notifications in a rule's outbox. */
  onNotificationsOwed: () => void;
  /** Events waiting per data source before new ones are dropped (the database is not keeping up). */
  maxQueuedPerSource?: number;
  /** Told of each state change this instance wrote (the metrics count them). */
  onTransition?: (from: RuleState, to: RuleState) => void;
}

const attemptsOnConflict = 3;
const retryDelaysMs = [200, 1000, 0];

const earliestStored = (points: readonly DataPointRecord[]) => new Date(Math.min(...points.map((point) => point.createdAt.getTime())));

/**
 * The alerting consumer of committed points. Work is serialized per data source, so one
 * instance evaluates a source's points in the order they were committed, and a transition is
 * written before the next points of that source are looked at.
 */
export function createAlertEvaluator({ cache, logger, onNotificationsOwed, maxQueuedPerSource = 10_000, onTransition }: EvaluatorOptions) {
  const queues = new Map<string, { tail: Promise<void>; waiting: number }>();

  /** Writes a transition, recomputing it from the stored rule when another writer came first. */
  async function commitTransition(rule: EvaluatedRule, points: readonly DataPointRecord[], first: Evaluation): Promise<void> {
    let current: EvaluatedRule | null = rule;
    let evaluation = first;
    for (let attempt = 0; current && attempt < attemptsOnConflict; attempt += 1) {
      const now = new Date();
      if (attempt > 0) evaluation = evaluatePoints(current, points, now);
      if (!evaluation.changed) return;
      // This instance only knows the points it evaluated. A newer point stored earlier through
      // another instance, or before a restart, makes these late: they must not flip the state.
      // (A repeat trigger while firing flips nothing, so it costs no read.)
      if (evaluation.next.state !== current.state) {
        const checked = { newest: evaluation.next.lastPointAt as Date, storedAt: earliestStored(points) };
        if (await newerPointStoredBefore(current, checked)) return;
      }
      const written = await commitEvaluation(current, evaluation, now);
      if (written) {
        cache.remember(written._id, written.dataSourceId.toHexString(), { ...written, lastPointAt: evaluation.next.lastPointAt });
        if (evaluation.next.state !== current.state) onTransition?.(current.state, evaluation.next.state);
        if (evaluation.events.length > 0) onNotificationsOwed();
        return;
      }
      // Another instance moved the rule first (or it was paused or deleted): start from its state.
      const fresh: EvaluatedRule | null = await activeRule(current._id);
      cache.remember(current._id, current.dataSourceId.toHexString(), fresh);
      current = fresh;
    }
    if (current)
      logger.warn(
        { alertRuleId: current._id.toHexString() },
        'alert rule kept changing under evaluation; these points were not applied to it',
      );
  }

  /** Most points change no rule: those cost no await and no write, only the state machine. */
  async function evaluateSource(sourceId: string, points: readonly DataPointRecord[]): Promise<void> {
    for (const rule of await cache.rulesOf(sourceId)) {
      const evaluation = evaluatePoints(rule, points, new Date());
      if (evaluation.changed) await commitTransition(rule, points, evaluation);
      else if (evaluation.next.lastPointAt) cache.evaluatedUpTo(rule._id, sourceId, evaluation.next.lastPointAt);
    }
  }

  /** A failed read or write (a failover, a timeout) is tried again: evaluating twice is harmless, transitions are conditional. */
  async function evaluateWithRetries(sourceId: string, points: readonly DataPointRecord[]): Promise<void> {
    for (const [attempt, delayMs] of retryDelaysMs.entries()) {
      try {
        return await evaluateSource(sourceId, points);
      } catch (error) {
        const last = attempt === retryDelaysMs.length - 1;
        const message = error instanceof Error ? error.message : String(error);
        logger[last ? 'error' : 'warn'](
          { err: message, dataSourceId: sourceId },
          last ? 'alert evaluation failed; these points were not evaluated' : 'alert evaluation failed; trying again',
        );
        if (!last) await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  function enqueue(sourceId: string, points: DataPointRecord[]): void {
    const queue = queues.get(sourceId) ?? { tail: Promise.resolve(), waiting: 0 };
    if (queue.waiting >= maxQueuedPerSource) {
      logger.warn({ dataSourceId: sourceId }, 'alert evaluation is behind; points of this source were not evaluated');
      return;
    }
    queue.waiting += 1;
    queue.tail = queue.tail
      .then(() => evaluateWithRetries(sourceId, points))
      .finally(() => {
        queue.waiting -= 1;
        if (queue.waiting === 0) queues.delete(sourceId);
      });
    queues.set(sourceId, queue);
  }

  return {
    onPointsCommitted: ({ points }: PointsCommitted): void => {
      const bySource = new Map<string, DataPointRecord[]>();
      for (const point of points) {
        const sourceId = point.dataSourceId.toHexString();
        const group = bySource.get(sourceId);
        if (group) group.push(point);
        else bySource.set(sourceId, [point]);
      }
      for (const [sourceId, group] of bySource) enqueue(sourceId, group);
    },
    /** Resolves once every queued evaluation finished (graceful shutdown, tests). */
    idle: async (): Promise<void> => {
      while (queues.size > 0) await Promise.all([...queues.values()].map((queue) => queue.tail));
    },
  };
}
