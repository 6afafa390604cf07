import { z } from 'zod';
import { nameField, objectIdParam, objectIdString, paginationOut, paginationQuery, timestampsOut } from '../../shared/schemas';
import { deliveryStatuses } from '../webhooks/model';
import { alertEventTypes, ruleStates, ruleStatuses } from './model';

const condition = z.string().trim().min(1, 'Must not be empty').max(500, 'Must be at most 500 characters');
/** Checked further (scheme, credentials, length) by the service, which knows WEBHOOK_ALLOW_HTTP. */
const webhookUrl = z.string().min(1, 'Must not be empty');
const cooldownMinutes = z.number().min(0, 'Must be at least 0').max(10080, 'Must be at most 10080 (one week)');

export const createAlertBody = z.strictObject({
  bucketId: objectIdString,
  dataSourceId: objectIdString,
  name: nameField,
  condition,
  webhookUrl,
  cooldownMinutes: cooldownMinutes.default(5),
});

export const updateAlertBody = z.strictObject({
  name: nameField.optional(),
  condition: condition.optional(),
  webhookUrl: webhookUrl.optional(),
  cooldownMinutes: cooldownMinutes.optional(),
  status: z.enum(['active', 'paused']).optional(),
});

export const rotateSecretBody = z.strictObject({
  gracePeriodSeconds: z.number().int('Must be a whole number of seconds').min(0).max(86_400).default(86_400),
});

export const alertsParams = z.strictObject({ bucketId: objectIdParam('bucket') });
export const alertParams = alertsParams.extend({ alertId: objectIdParam('alert') });
export const deliveryParams = alertParams.extend({ deliveryId: objectIdParam('delivery') });
export const deliveriesQuery = paginationQuery.extend({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  status: z.enum(deliveryStatuses).optional(),
});

const parsedConditionOut = z.union([
  z.object({
    kind: z.literal('threshold'),
    field: z.string(),
    operator: z.enum(['gt', 'gte', 'lt', 'lte', 'eq', 'ne']),
    value: z.number(),
    forSeconds: z.number().optional(),
  }),
  z.object({ kind: z.literal('no_data'), forSeconds: z.number() }),
]);

export const alertRuleOut = z.object({
  _id: z.string(),
  bucketId: z.string(),
  dataSourceId: z.string(),
  name: z.string(),
  condition: z.string(),
  parsedCondition: parsedConditionOut,
  webhookUrl: z.string(),
  status: z.enum(ruleStatuses),
  state: z.enum(ruleStates),
  cooldownMinutes: z.number(),
  lastTriggeredAt: z.string().nullable(),
  lastResolvedAt: z.string().nullable(),
  ...timestampsOut,
});

export const createAlertOut = z.object({ message: z.string(), alertRule: alertRuleOut, webhookSecret: z.string() });
export const listAlertsOut = z.object({ alertRules: z.array(alertRuleOut) });
export const alertOut = z.object({ alertRule: alertRuleOut });
export const alertMessageOut = z.object({ message: z.string(), alertRule: alertRuleOut });
export const deleteAlertOut = z.object({ message: z.string(), deletedAlertRule: z.object({ _id: z.string(), name: z.string() }) });
export const secretOut = z.object({ message: z.string(), webhookSecret: z.string() });
export const queuedOut = z.object({ message: z.string(), deliveryId: z.string() });

export const deliveryOut = z.object({
  _id: z.string(),
  alertRuleId: z.string(),
  type: z.enum(alertEventTypes),
  status: z.enum(deliveryStatuses),
  attemptCount: z.number(),
  lastStatusCode: z.number().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});
export const deliveryDetailOut = z.object({
  delivery: deliveryOut.extend({
    body: z.string(),
    attempts: z.array(
      z.object({ at: z.string(), statusCode: z.number().nullable(), durationMs: z.number(), error: z.string().nullable() }),
    ),
  }),
});
export const retryOut = deliveryDetailOut.extend({ message: z.string() });
export const listDeliveriesOut = z.object({ deliveries: z.array(deliveryOut), pagination: paginationOut });
