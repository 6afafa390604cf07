import { Types } from 'mongoose';
import { DomainError, type ValidationIssue } from '../../shared/errors';
import { toObjectId } from '../../shared/objectId';
import { BucketModel, type BucketRecord } from '../buckets/model';
import { findDataSource, liveSourceIdsAmong } from '../sources/sources.service';
import { deleteDeliveriesOfRule } from '../webhooks/deliveries.service';
import type { SecretBox } from '../webhooks/secretBox';
import { webhookUrlProblem } from '../webhooks/webhookUrl';
import { AlertRuleModel, type AlertRuleRecord } from './model';
import { parseCondition, type ParsedCondition } from './parseCondition';
import { newSecret, rotatedSecrets } from './ruleSecrets';

export interface AlertSettings {
  box: SecretBox;
  allowHttp: boolean;
  maxRulesPerBucket: number;
}

export interface NewAlertRule {
  dataSourceId: string;
  name: string;
  condition: string;
  webhookUrl: string;
  cooldownMinutes: number;
}
export type AlertRuleChanges = Partial<Omit<NewAlertRule, 'dataSourceId'> & { status: 'active' | 'paused' }>;

export type PublicAlertRule = Omit<AlertRuleRecord, 'webhookSecrets' | 'outbox'>;
const publicProjection = { webhookSecrets: 0, outbox: 0 } as const;

/** Parses the condition against the source's number fields and checks the URL, reporting both problems at once. */
async function checkRuleInput(
  bucket: BucketRecord,
  dataSourceId: Types.ObjectId,
  input: { condition?: string; webhookUrl?: string },
  allowHttp: boolean,
) {
  const issues: ValidationIssue[] = [];
  let parsed: ParsedCondition | undefined;
  if (input.condition !== undefined) {
    const source = await findDataSource(bucket, dataSourceId.toHexString());
    if (source.deletingAt) throw new DomainError('DATA_SOURCE_NOT_FOUND');
    const numberFields = Object.entries(source.schema).flatMap(([name, field]) => (field.type === 'number' ? [name] : []));
    const result = parseCondition(input.condition, numberFields);
    if (result.ok) parsed = result.condition;
    else issues.push({ path: ['body', 'condition'], message: result.message });
  }
  const urlProblem = input.webhookUrl === undefined ? null : webhookUrlProblem(input.webhookUrl, allowHttp);
  if (urlProblem) issues.push({ path: ['body', 'webhookUrl'], message: urlProblem });
  if (issues.length > 0) throw new DomainError('VALIDATION_FAILED', undefined, issues);
  return parsed;
}

/**
 * A delete marks the bucket or source before it deletes their rules, so a rule inserted
 * while one runs either is deleted by it or finds the mark here afterwards.
 */
async function assertParentsLive(bucketId: Types.ObjectId, dataSourceId: Types.ObjectId): Promise<void> {
  const [bucket, liveSources] = await Promise.all([
    BucketModel.findById(bucketId, { deletingAt: 1 }).lean<Pick<BucketRecord, 'deletingAt'>>(),
    liveSourceIdsAmong([dataSourceId]),
  ]);
  if (!bucket || bucket.deletingAt) throw new DomainError('BUCKET_NOT_FOUND');
  if (liveSources.length === 0) throw new DomainError('DATA_SOURCE_NOT_FOUND');
}

export async function createAlertRule(bucket: BucketRecord, input: NewAlertRule, settings: AlertSettings) {
  const dataSourceId = toObjectId(input.dataSourceId);
  const parsedCondition = await checkRuleInput(bucket, dataSourceId, input, settings.allowHttp);
  if ((await AlertRuleModel.countDocuments({ bucketId: bucket._id })) >= settings.maxRulesPerBucket) {
    throw new DomainError('LIMIT_REACHED', `A bucket may have at most ${settings.maxRulesPerBucket} alert rules`);
  }
  const _id = new Types.ObjectId();
  const secret = newSecret(settings.box, _id);
  const { name, condition, webhookUrl, cooldownMinutes } = input;
  const created = await AlertRuleModel.create({
    _id,
    organizationId: bucket.organizationId,
    bucketId: bucket._id,
    dataSourceId,
    name,
    condition,
    webhookUrl,
    cooldownMinutes,
    parsedCondition,
    armedAt: new Date(),
    webhookSecrets: [secret.sealed],
  });
  try {
    await assertParentsLive(bucket._id, dataSourceId);
  } catch (error) {
    await AlertRuleModel.deleteOne({ _id });
    throw error;
  }
  const { webhookSecrets: _secrets, outbox: _outbox, ...rule } = created.toObject() as AlertRuleRecord;
  return { rule: rule as PublicAlertRule, webhookSecret: secret.plaintext };
}

export const listAlertRules = (bucket: BucketRecord) =>
  AlertRuleModel.find({ bucketId: bucket._id }, publicProjection).sort({ createdAt: 1, _id: 1 }).lean<PublicAlertRule[]>();

export async function findAlertRule(bucket: BucketRecord, alertId: string): Promise<PublicAlertRule> {
  const rule = await AlertRuleModel.findOne({ _id: toObjectId(alertId), bucketId: bucket._id }, publicProjection).lean<PublicAlertRule>();
  if (!rule) throw new DomainError('ALERT_RULE_NOT_FOUND');
  return rule;
}

/**
 * Every change bumps stateVersion, so an evaluation computed before it cannot be written
 * after it. A new condition, or a return to active, starts the rule over at ok.
 */
export async function updateAlertRule(bucket: BucketRecord, alertId: string, changes: AlertRuleChanges, settings: AlertSettings) {
  const rule = await findAlertRule(bucket, alertId);
  const parsedCondition = await checkRuleInput(bucket, rule.dataSourceId, changes, settings.allowHttp);
  const startsOver = parsedCondition !== undefined || (changes.status === 'active' && rule.status !== 'active');
  const restart = startsOver ? { state: 'ok', pendingSince: null, armedAt: new Date() } : {};
  const updated = await AlertRuleModel.findOneAndUpdate(
    { _id: rule._id },
    { $set: { ...changes, ...(parsedCondition ? { parsedCondition } : {}), ...restart }, $inc: { stateVersion: 1 } },
    { returnDocument: 'after', projection: publicProjection },
  ).lean<PublicAlertRule>();
  if (!updated) throw new DomainError('ALERT_RULE_NOT_FOUND');
  return updated;
}

export async function deleteAlertRule(bucket: BucketRecord, alertId: string) {
  const rule = await findAlertRule(bucket, alertId);
  await AlertRuleModel.deleteOne({ _id: rule._id });
  await deleteDeliveriesOfRule(rule._id);
  return rule;
}

/**
 * Conditional on the secrets read, so two rotations at once cannot lose the secret one of them
 * returned. Answers the rule (without its secrets) and the new secret's plaintext.
 */
export async function rotateWebhookSecret(bucket: BucketRecord, alertId: string, graceSeconds: number, box: SecretBox) {
  const rule = await findAlertRule(bucket, alertId);
  for (;;) {
    const current = await AlertRuleModel.findById(rule._id, { webhookSecrets: 1 }).lean<Pick<AlertRuleRecord, 'webhookSecrets'>>();
    if (!current) throw new DomainError('ALERT_RULE_NOT_FOUND');
    const secret = newSecret(box, rule._id);
    const webhookSecrets = rotatedSecrets(current.webhookSecrets, secret.sealed, graceSeconds, new Date());
    const newest = current.webhookSecrets[0]?.sealed ?? null;
    const written = await AlertRuleModel.updateOne({ _id: rule._id, 'webhookSecrets.0.sealed': newest }, { $set: { webhookSecrets } });
    if (written.matchedCount === 1) return { rule, webhookSecret: secret.plaintext };
  }
}
