import { Types } from 'mongoose';
import { evaluatedRuleProjection, type EvaluatedRule } from './commitEvaluation';
import { AlertRuleModel } from './model';

/** Reads for evaluation: never the secrets or the outbox. */
export const activeRulesOfSource = (sourceId: string) =>
  AlertRuleModel.find({ dataSourceId: new Types.ObjectId(sourceId), status: 'active' }, evaluatedRuleProjection).lean<EvaluatedRule[]>();

/** The data sources that have an active rule, as hex ids (String(): the embedded database's distinct answers ObjectIds as strings). */
export const sourcesWithActiveRules = async () =>
  new Set((await AlertRuleModel.distinct('dataSourceId', { status: 'active' })).map((id: unknown) => String(id)));

export const activeRule = (ruleId: Types.ObjectId) =>
  AlertRuleModel.findOne({ _id: ruleId, status: 'active' }, evaluatedRuleProjection).lean<EvaluatedRule>();

/** Rules only time can move: no-data rules, and `for` conditions still pending. */
export const rulesForSweep = () =>
  AlertRuleModel.find(
    { status: 'active', $or: [{ 'parsedCondition.kind': 'no_data' }, { state: 'pending' }] },
    evaluatedRuleProjection,
  ).lean<EvaluatedRule[]>();
