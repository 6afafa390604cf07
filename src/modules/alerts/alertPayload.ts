import type { Types } from 'mongoose';
import type { EvaluatedPoint } from './evaluateRule';
import type { AlertEventType, AlertRuleRecord } from './model';
import { operatorSymbols } from './parseCondition';

export interface PayloadInput {
  webhookId: Types.ObjectId;
  type: AlertEventType;
  rule: Pick<AlertRuleRecord, '_id' | 'bucketId' | 'dataSourceId' | 'name' | 'condition' | 'parsedCondition'>;
  dataSourceName: string;
  point: EvaluatedPoint | null;
  at: Date;
}

/**
 * Dakkio's webhook body plus `type` (Standard Webhooks routes on it). No-data events carry
 * null value, threshold and operator, and the source's newest point, if any.
 */
export function alertPayload({ webhookId, type, rule, dataSourceName, point, at }: PayloadInput): string {
  const condition = rule.parsedCondition;
  const threshold = condition.kind === 'threshold' ? condition : null;
  const value = threshold && point ? point.values[threshold.field] : undefined;
  const when = type === 'alert.resolved' ? { resolvedAt: at.toISOString() } : { triggeredAt: at.toISOString() };
  return JSON.stringify({
    type,
    event: type,
    timestamp: at.toISOString(),
    webhookId: webhookId.toHexString(),
    bucketId: rule.bucketId.toHexString(),
    data: {
      alertId: rule._id.toHexString(),
      alertName: rule.name,
      dataSourceId: rule.dataSourceId.toHexString(),
      dataSourceName,
      condition: rule.condition,
      currentValue: typeof value === 'number' ? value : null,
      threshold: threshold ? threshold.value : null,
      operator: threshold ? operatorSymbols[threshold.operator] : null,
      ...when,
      dataPoint: point ? { timestamp: point.timestamp.toISOString(), values: point.values, metadata: point.metadata } : null,
    },
  });
}
