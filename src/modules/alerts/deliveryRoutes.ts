import { defineRoute } from '../../http/route';
import { findDelivery, listDeliveries, retryDelivery } from '../webhooks/deliveries.service';
import { findAlertRule } from './alertRules.service';
import { toDeliveryDetail, toDeliveryResponse } from './presenters';
import { alertsReadAccess, alertsWriteAccess } from './routes';
import { alertParams, deliveriesQuery, deliveryDetailOut, deliveryParams, listDeliveriesOut, retryOut } from './schemas';

export const deliveryRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/buckets/:bucketId/alerts/:alertId/deliveries',
    summary: 'The rule’s webhook deliveries, newest first',
    tag: 'Alerts',
    access: alertsReadAccess,
    request: { params: alertParams, query: deliveriesQuery },
    response: { status: 200, schema: listDeliveriesOut, description: 'A page of deliveries' },
    handler: async ({ bucket, params, query }) => {
      const rule = await findAlertRule(bucket, params.alertId);
      const { deliveries, pagination } = await listDeliveries(rule._id, query);
      return { deliveries: deliveries.map(toDeliveryResponse), pagination };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/buckets/:bucketId/alerts/:alertId/deliveries/:deliveryId',
    summary: 'One delivery with the exact body sent and its last attempts',
    tag: 'Alerts',
    access: alertsReadAccess,
    request: { params: deliveryParams },
    response: { status: 200, schema: deliveryDetailOut, description: 'The delivery' },
    handler: async ({ bucket, params }) => {
      const rule = await findAlertRule(bucket, params.alertId);
      return { delivery: toDeliveryDetail(await findDelivery(rule._id, params.deliveryId)) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/buckets/:bucketId/alerts/:alertId/deliveries/:deliveryId/retry',
    summary: 'Send a delivery again now, with the same webhook-id',
    tag: 'Alerts',
    access: alertsWriteAccess('retry webhook deliveries'),
    request: { params: deliveryParams },
    response: { status: 202, schema: retryOut, description: 'The delivery, due now' },
    handler: async ({ bucket, params, deps }) => {
      const rule = await findAlertRule(bucket, params.alertId);
      const delivery = await retryDelivery(rule._id, params.deliveryId);
      deps.alerting.nudgeDeliveries();
      return { message: 'Delivery queued for retry', delivery: toDeliveryDetail(delivery) };
    },
  }),
];
