import type { Types } from 'mongoose';
import type { EvaluatedRule } from './commitEvaluation';
import { activeRulesOfSource } from './ruleStore';

interface SourceEntry {
  loadedAt: number;
  rules: Map<string, EvaluatedRule>;
  loading: Promise<void> | null;
}

export interface RuleCache {
  /** The active rules of a data source, read from the database at most once per `ttlMs`. */
  rulesOf: (sourceId: string) => Promise<EvaluatedRule[]>;
  /** Records what this instance just wrote or read of a rule (null: it is gone or inactive). */
  remember: (ruleId: Types.ObjectId, sourceId: string, rule: EvaluatedRule | null) => void;
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
  const load = async (sourceId: string, entry: SourceEntry) => {
    const fresh = await activeRulesOfSource(sourceId);
    const rules = new Map<string, EvaluatedRule>();
    for (const rule of fresh) {
      const id = rule._id.toHexString();
      rules.set(id, { ...rule, lastPointAt: laterOf(rule.lastPointAt, entry.rules.get(id)?.lastPointAt ?? null) });
    }
    entry.rules = rules;
    entry.loadedAt = Date.now();
  };
  const entryOf = (sourceId: string): SourceEntry => {
    let entry = sources.get(sourceId);
    if (!entry) {
      if (sources.size >= maxSources) sources.delete(sources.keys().next().value as string);
      entry = { loadedAt: Number.NEGATIVE_INFINITY, rules: new Map(), loading: null };
      sources.set(sourceId, entry);
    }
    return entry;
  };
  return {
    rulesOf: async (sourceId) => {
      const entry = entryOf(sourceId);
      if (Date.now() - entry.loadedAt >= ttlMs) {
        entry.loading ??= load(sourceId, entry).finally(() => (entry.loading = null));
        await entry.loading;
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
  };
}
