import type { Types } from 'mongoose';
import { DomainError } from '../../shared/errors';
import { toObjectId } from '../../shared/objectId';
import { WebhookDeliveryModel, type DeliveryStatus, type NewDelivery, type WebhookDeliveryRecord } from './model';

/**
 * Records a delivery as owed, due at once (the schedule's first delay is applied by the
 * worker). Keyed by its webhook-id, so recording the same notification twice is harmless.
 */
export async function enqueueDelivery(delivery: NewDelivery, firstDelayMs: number): Promise<void> {
  await WebhookDeliveryModel.collection.updateOne(
    { _id: delivery._id },
    {
      $setOnInsert: {
        ...delivery,
        status: 'pending',
        attemptCount: 0,
        nextAttemptAt: new Date(delivery.createdAt.getTime() + firstDelayMs),
        lockedUntil: null,
        lockedBy: null,
        lastStatusCode: null,
        lastError: null,
        attempts: [],
        deliveredAt: null,
      },
    },
    { upsert: true },
  );
}

export interface DeliveryListQuery {
  status?: DeliveryStatus;
  limit: number;
  offset: number;
}

export async function listDeliveries(alertRuleId: Types.ObjectId, { status, limit, offset }: DeliveryListQuery) {
  const filter = { alertRuleId, ...(status ? { status } : {}) };
  const [deliveries, total] = await Promise.all([
    WebhookDeliveryModel.find(filter, { body: 0, attempts: 0 })
      .sort({ createdAt: -1, _id: -1 })
      .skip(offset)
      .limit(limit)
      .lean<WebhookDeliveryRecord[]>(),
    WebhookDeliveryModel.countDocuments(filter),
  ]);
  return { deliveries, pagination: { limit, offset, total, hasMore: offset + deliveries.length < total } };
}

export async function findDelivery(alertRuleId: Types.ObjectId, deliveryId: string): Promise<WebhookDeliveryRecord> {
  const delivery = await WebhookDeliveryModel.findOne({ _id: toObjectId(deliveryId), alertRuleId }).lean<WebhookDeliveryRecord>();
  if (!delivery) throw new DomainError('DELIVERY_NOT_FOUND');
  return delivery;
}

/**
 * Makes a delivery due now, whatever its status; the same webhook-id is sent again. A
 * delivery being attempted right now keeps its claim: the attempt in flight is the retry.
 */
export async function retryDelivery(alertRuleId: Types.ObjectId, deliveryId: string): Promise<WebhookDeliveryRecord> {
  const delivery = await findDelivery(alertRuleId, deliveryId);
  const updated = await WebhookDeliveryModel.findOneAndUpdate(
    { _id: delivery._id, status: { $ne: 'delivering' } },
    { $set: { status: 'pending', nextAttemptAt: new Date() } },
    { returnDocument: 'after' },
  ).lean<WebhookDeliveryRecord>();
  return updated ?? delivery;
}

export const deleteDelivery = (id: Types.ObjectId) => WebhookDeliveryModel.deleteOne({ _id: id });

export const deleteDeliveriesOfRule = (alertRuleId: Types.ObjectId) => WebhookDeliveryModel.deleteMany({ alertRuleId });

/** The delivery log keeps `days` days; the embedded database has no TTL monitor, so this runs on a schedule. */
export const deleteOldDeliveries = async (days: number, now = Date.now()) =>
  (await WebhookDeliveryModel.deleteMany({ createdAt: { $lt: new Date(now - days * 86_400_000) }, status: { $ne: 'delivering' } }))
    .deletedCount;
