import type { Types } from 'mongoose';
import type { EvaluatedRule } from './commitEvaluation';
import { createRefreshing } from './refreshing';
import { activeRulesOfSource, sourcesWithActiveRules } from './ruleStore';

interface SourceEntry {
  loadedAt: number;
  rules: Map<string, EvaluatedRule>;
  loading: Promise<void> | null;
  /** Bumped by forget, so a read that was already under way does not count as fresh. */
  generation: number;
}

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
  const sources = new Map<string, SourceEntry>();
  // One read per ttlMs says which sources have rules at all, so the many that have none cost no read of their own.
  const watched = createRefreshing(ttlMs, new Set<string>(), sourcesWithActiveRules);
  const load = async (sourceId: string, entry: SourceEntry) => {
    const generation = entry.generation;
    const fresh = await activeRulesOfSource(sourceId);
    const rules = new Map<string, EvaluatedRule>();
    for (const rule of fresh) {
      const id = rule._id.toHexString();
      rules.set(id, { ...rule, lastPointAt: laterOf(rule.lastPointAt, entry.rules.get(id)?.lastPointAt ?? null) });
    }
    entry.rules = rules;
    entry.loadedAt = entry.generation === generation ? Date.now() : Number.NEGATIVE_INFINITY;
  };
  const entryOf = (sourceId: string): SourceEntry => {
    let entry = sources.get(sourceId);
    if (!entry) {
      if (sources.size >= maxSources) sources.delete(sources.keys().next().value as string);
      entry = { loadedAt: Number.NEGATIVE_INFINITY, rules: new Map(), loading: null, generation: 0 };
      sources.set(sourceId, entry);
    }
    return entry;
  };
  return {
    rulesOf: async (sourceId) => {
      if (!(await watched.get()).has(sourceId)) return [];
      const entry = entryOf(sourceId);
      // A second read when the first was already under way as the rules changed.
      for (let reads = 0; reads < 2 && Date.now() - entry.loadedAt >= ttlMs; reads += 1) {
        const loading = entry.loading ?? load(sourceId, entry).finally(() => (entry.loading = null));
        entry.loading = loading;
        await loading;
        if (entry.loadedAt !== Number.NEGATIVE_INFINITY) break;
      }
      return [...entry.rules.values()];
    },
    remember: (ruleId, sourceId, rule) => {
      const entry = entryOf(sourceId);
      const id = ruleId.toHexString();
      if (rule?.status === 'active') {
        entry.rules.set(id, { ...rule, lastPointAt: laterOf(rule.lastPointAt, entry.rules.get(id)?.lastPointAt ?? null) });
      } else {
        entry.rules.delete(id);
      }
    },
    evaluatedUpTo: (ruleId, sourceId, at) => {
      const rule = sources.get(sourceId)?.rules.get(ruleId.toHexString());
      if (rule && (!rule.lastPointAt || at > rule.lastPointAt)) rule.lastPointAt = at;
    },
    forget: (sourceId) => {
      watched.invalidate();
      const entry = sources.get(sourceId);
      if (!entry) return;
      entry.loadedAt = Number.NEGATIVE_INFINITY;
      entry.generation += 1;
    },
  };
}
