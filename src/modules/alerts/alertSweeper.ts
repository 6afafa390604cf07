import { holdLease, releaseLease } from '../../db/lease';
import type { Logger } from '../../logger';
import { commitEvaluation } from './commitEvaluation';
import { newestPointFor } from './newestPoint';
import type { RuleState } from './model';
import type { RuleCache } from './ruleCache';
import { rulesForSweep } from './ruleStore';
import { sweepRule } from './sweepRule';

export interface SweeperOptions {
  instanceId: string;
  intervalMs: number;
  cache: RuleCache;
  logger: Logger;
  onNotificationsOwed: () => void;
  /** Told of each state change this sweeper wrote (the metrics count them). */
  onTransition?: (from: RuleState, to: RuleState) => void;
}

const leaseName = 'alert-sweeper';

/**
 * The point time alone judges the rule by: for a no-data rule the source's newest point of
 * any kind; for a threshold, the newest point carrying the rule's field, since points without
 * it say nothing about the condition (evaluation skips them too).
 */
/**
 * Every instance runs one; only the holder of the sweeper lease sweeps, so no-data and `for`
 * transitions are decided once. If two ever sweep at once (a lease lapsing mid-sweep), the
 * conditional write of commitEvaluation still lets only one of them make a transition.
 */
export function createAlertSweeper({ instanceId, intervalMs, cache, logger, onNotificationsOwed, onTransition }: SweeperOptions) {
  let timer: NodeJS.Timeout | null = null;
  let sweeping: Promise<void> | null = null;

  async function sweep(): Promise<void> {
    if (!(await holdLease(leaseName, instanceId, Math.max(intervalMs * 3, 30_000)))) return;
    let owed = false;
    for (const rule of await rulesForSweep()) {
      const now = new Date();
      const latest = await newestPointFor(rule);
      const evaluation = sweepRule(rule, latest, now);
      if (!evaluation.changed) continue;
      const written = await commitEvaluation(rule, evaluation, now);
      if (!written) continue; // a point's evaluation moved it first; the next sweep looks again
      cache.remember(rule._id, rule.dataSourceId.toHexString(), written);
      if (evaluation.next.state !== rule.state) onTransition?.(rule.state, evaluation.next.state);
      if (evaluation.events.length > 0) owed = true;
    }
    if (owed) onNotificationsOwed();
  }

  const run = () => {
    sweeping ??= sweep()
      .catch((error: Error) => logger.warn({ err: error.message }, 'alert sweep failed'))
      .finally(() => (sweeping = null));
  };

  return {
    start: () => {
      timer = setInterval(run, intervalMs);
      timer.unref();
      run();
    },
    stop: async () => {
      if (timer) clearInterval(timer);
      await sweeping;
      await releaseLease(leaseName, instanceId).catch(() => undefined);
    },
  };
}
