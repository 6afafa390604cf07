import { defineRoute, type AppDeps } from '../../http/route';
import { recordChange } from '../audit/recordChange';
import {
  createAlertRule,
  deleteAlertRule,
  findAlertRule,
  listAlertRules,
  rotateWebhookSecret,
  updateAlertRule,
} from './alertRules.service';
import { toAlertRuleResponse } from './presenters';
import {
  alertMessageOut,
  alertOut,
  alertParams,
  alertsParams,
  createAlertBody,
  createAlertOut,
  deleteAlertOut,
  listAlertsOut,
  queuedOut,
  rotateSecretBody,
  secretOut,
  updateAlertBody,
} from './schemas';
import { queueTestEvent } from './testEvent';

const inPath = { from: 'params', field: 'bucketId' } as const;
export const alertsReadAccess = { kind: 'key', scope: 'alerts:read', deniedMessage: 'Insufficient permissions', bucket: inPath } as const;
export const alertsWriteAccess = (operation: string, bucket: { from: 'params' | 'body'; field: string } = inPath) =>
  ({ kind: 'key', scope: 'alerts:write', deniedMessage: `Only Admin and Write keys can ${operation}`, bucket }) as const;

const settingsOf = ({ config, alerting }: AppDeps) => ({
  box: alerting.secretBox,
  allowHttp: config.WEBHOOK_ALLOW_HTTP,
  maxRulesPerBucket: config.MAX_ALERT_RULES_PER_BUCKET,
});

export const alertRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/alerts',
    summary: 'Create an alert rule; the response carries its webhook secret, shown once',
    tag: 'Alerts',
    access: alertsWriteAccess('create alert rules', { from: 'body', field: 'bucketId' }),
    request: { body: createAlertBody },
    response: { status: 201, schema: createAlertOut, description: 'The new rule and its webhook signing secret' },
    handler: async (request) => {
      const { bucket, body, deps } = request;
      const { rule, webhookSecret } = await createAlertRule(bucket, body, settingsOf(deps));
      deps.alerting.rulesChanged(rule.dataSourceId.toHexString());
      await recordChange(request, 'alert.create', rule);
      return { message: 'Alert rule created successfully', alertRule: toAlertRuleResponse(rule), webhookSecret };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/buckets/:bucketId/alerts',
    summary: 'List a bucket’s alert rules',
    tag: 'Alerts',
    access: alertsReadAccess,
    request: { params: alertsParams },
    response: { status: 200, schema: listAlertsOut, description: 'The alert rules' },
    handler: async ({ bucket }) => ({ alertRules: (await listAlertRules(bucket)).map(toAlertRuleResponse) }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/buckets/:bucketId/alerts/:alertId',
    summary: 'Get an alert rule with its state',
    tag: 'Alerts',
    access: alertsReadAccess,
    request: { params: alertParams },
    response: { status: 200, schema: alertOut, description: 'The alert rule' },
    handler: async ({ bucket, params }) => ({ alertRule: toAlertRuleResponse(await findAlertRule(bucket, params.alertId)) }),
  }),
  defineRoute({
    method: 'patch',
    path: '/api/buckets/:bucketId/alerts/:alertId',
    summary: 'Update, pause or resume an alert rule',
    tag: 'Alerts',
    access: alertsWriteAccess('update alert rules'),
    request: { params: alertParams, body: updateAlertBody },
    response: { status: 200, schema: alertMessageOut, description: 'The updated rule' },
    handler: async (request) => {
      const { bucket, params, body, deps } = request;
      const rule = await updateAlertRule(bucket, params.alertId, body, settingsOf(deps));
      deps.alerting.rulesChanged(rule.dataSourceId.toHexString());
      await recordChange(request, 'alert.update', rule);
      return { message: 'Alert rule updated successfully', alertRule: toAlertRuleResponse(rule) };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/buckets/:bucketId/alerts/:alertId',
    summary: 'Delete an alert rule and its delivery log',
    tag: 'Alerts',
    access: alertsWriteAccess('delete alert rules'),
    request: { params: alertParams },
    response: { status: 200, schema: deleteAlertOut, description: 'What was deleted' },
    handler: async (request) => {
      const { bucket, params, deps } = request;
      const rule = await deleteAlertRule(bucket, params.alertId);
      deps.alerting.rulesChanged(rule.dataSourceId.toHexString());
      await recordChange(request, 'alert.delete', rule);
      return { message: 'Alert rule deleted successfully', deletedAlertRule: { _id: rule._id.toHexString(), name: rule.name } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/buckets/:bucketId/alerts/:alertId/rotate-secret',
    summary: 'Issue a new webhook secret; deliveries carry both signatures during the grace period',
    tag: 'Alerts',
    access: alertsWriteAccess('rotate webhook secrets'),
    request: { params: alertParams, body: rotateSecretBody },
    response: { status: 201, schema: secretOut, description: 'The new secret, shown once' },
    handler: async (request) => {
      const { bucket, params, body, deps } = request;
      const { rule, webhookSecret } = await rotateWebhookSecret(bucket, params.alertId, body.gracePeriodSeconds, deps.alerting.secretBox);
      await recordChange(request, 'alert.rotate_secret', rule);
      return { message: 'Webhook secret rotated successfully', webhookSecret };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/buckets/:bucketId/alerts/:alertId/test',
    summary: 'Queue an alert.test delivery to the rule’s webhook',
    tag: 'Alerts',
    access: alertsWriteAccess('test alert rules'),
    request: { params: alertParams },
    response: { status: 202, schema: queuedOut, description: 'The queued delivery' },
    handler: async ({ bucket, params, deps }) => {
      const deliveryId = await queueTestEvent(bucket, params.alertId, deps.alerting.firstAttemptDelayMs());
      deps.alerting.nudgeDeliveries();
      return { message: 'Test event queued', deliveryId: deliveryId.toHexString() };
    },
  }),
];
