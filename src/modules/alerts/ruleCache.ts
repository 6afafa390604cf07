import type { Types } from 'mongoose';
import type { EvaluatedRule } from './commitEvaluation';
import { createRefreshing } from './refreshing';
import { activeRulesOfSource, sourcesWithActiveRules } from './ruleStore';

type SourceRules = ReturnType<typeof createRefreshing<Map<string, EvaluatedRule>>>;

export interface RuleCache {
  /** The active rules of a data source, read from the database at most once per `ttlMs`. */
  rulesOf: (sourceId: string) => Promise<EvaluatedRule[]>;
  /** Records what this instance just wrote or read of a rule (null: it is gone or inactive). */
  remember: (ruleId: Types.ObjectId, sourceId: string, rule: EvaluatedRule | null) => void;
  /** The rule evaluated points up to `at` without a transition (kept in place: this runs for every point). */
  evaluatedUpTo: (ruleId: Types.ObjectId, sourceId: string, at: Date) => void;
  /** A rule of the source was created, changed or deleted on this instance: read them again before the next evaluation. */
  forget: (sourceId: string) => void;
}

const laterOf = (a: Date | null, b: Date | null) => (!a ? b : !b ? a : a > b ? a : b);

/**
 * Each instance's view of alert rules, so evaluating a point costs no database read. It is at
 * most `ttlMs` stale about changes made elsewhere; a transition computed from a stale view is
 * refused by the database (stateVersion) and recomputed. The newest point timestamp evaluated
 * is only kept here between transitions, so it survives reloads by taking the later one.
 */
export function createRuleCache(ttlMs: number, maxSources = 50_000): RuleCache {
  const sources = new Map<string, SourceRules>();
  // One read per ttlMs says which sources have rules at all, so the many that have none cost no read of their own.
  const watched = createRefreshing(ttlMs, new Set<string>(), sourcesWithActiveRules);
  const readRules = async (sourceId: string, latest: () => Map<string, EvaluatedRule>) => {
    const fresh = await activeRulesOfSource(sourceId);
    const known = latest();
    return new Map(
      fresh.map((rule) => {
        const id = rule._id.toHexString();
        return [id, { ...rule, lastPointAt: laterOf(rule.lastPointAt, known.get(id)?.lastPointAt ?? null) }];
      }),
    );
  };
  const entryOf = (sourceId: string): SourceRules => {
    let entry = sources.get(sourceId);
    if (!entry) {
      if (sources.size >= maxSources) sources.delete(sources.keys().next().value as string);
      entry = createRefreshing(ttlMs, new Map<string, EvaluatedRule>(), (latest) => readRules(sourceId, latest));
      sources.set(sourceId, entry);
    }
    return entry;
  };
  return {
    rulesOf: async (sourceId) => {
      if (!(await watched.get()).has(sourceId)) return [];
      return [...(await entryOf(sourceId).get()).values()];
    },
    remember: (ruleId, sourceId, rule) => {
      const rules = entryOf(sourceId).peek();
      const id = ruleId.toHexString();
      if (rule?.status === 'active') {
        rules.set(id, { ...rule, lastPointAt: laterOf(rule.lastPointAt, rules.get(id)?.lastPointAt ?? null) });
      } else {
        rules.delete(id);
      }
    },
    evaluatedUpTo: (ruleId, sourceId, at) => {
      const rule = sources.get(sourceId)?.peek().get(ruleId.toHexString());
      if (rule && (!rule.lastPointAt || at > rule.lastPointAt)) rule.lastPointAt = at;
    },
    forget: (sourceId) => {
      watched.invalidate();
      sources.get(sourceId)?.invalidate();
    },
  };
}
