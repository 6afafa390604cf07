import { Schema, model, type Types } from 'mongoose';
import { collections } from '../../shared/collections';

export const deliveryStatuses = ['pending', 'delivering', 'succeeded', 'failed', 'exhausted'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

export interface DeliveryAttempt {
  at: Date;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

/** The most attempts a delivery's log keeps. */
export const attemptsKept = 20;

const webhookDeliverySchema = new Schema(
  {
    // _id is the webhook-id: the same on every attempt, so receivers can drop duplicates.
    alertRuleId: { type: Schema.Types.ObjectId, required: true },
    organizationId: { type: Schema.Types.ObjectId, required: true },
    bucketId: { type: Schema.Types.ObjectId, required: true },
    dataSourceId: { type: Schema.Types.ObjectId, required: true },
    type: { type: String, required: true },
    /** The exact JSON text sent on every attempt. */
    body: { type: String, required: true },
    status: { type: String, enum: deliveryStatuses, default: 'pending' },
    attemptCount: { type: Number, default: 0 },
    nextAttemptAt: { type: Date, default: null },
    /** While delivering: when the claim lapses, so another instance finishes a crashed one's attempt. */
    lockedUntil: { type: Date, default: null },
    lockedBy: { type: String, default: null },
    lastStatusCode: { type: Number, default: null },
    lastError: { type: String, default: null },
    attempts: { type: [{ _id: false, at: Date, statusCode: Number, durationMs: Number, error: String }], default: [] },
    createdAt: { type: Date, required: true },
    deliveredAt: { type: Date, default: null },
  },
  { collection: collections.webhookDeliveries, versionKey: false },
);
webhookDeliverySchema.index({ status: 1, nextAttemptAt: 1 });
webhookDeliverySchema.index({ status: 1, lockedUntil: 1 });
webhookDeliverySchema.index({ alertRuleId: 1, createdAt: -1 });
webhookDeliverySchema.index({ createdAt: 1 });
webhookDeliverySchema.index({ bucketId: 1 });
webhookDeliverySchema.index({ dataSourceId: 1 });

export interface WebhookDeliveryRecord {
  _id: Types.ObjectId;
  alertRuleId: Types.ObjectId;
  organizationId: Types.ObjectId;
  bucketId: Types.ObjectId;
  dataSourceId: Types.ObjectId;
  type: string;
  body: string;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: Date | null;
  lockedUntil: Date | null;
  lockedBy: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  attempts: DeliveryAttempt[];
  createdAt: Date;
  deliveredAt: Date | null;
}

export type NewDelivery = Pick<
  WebhookDeliveryRecord,
  '_id' | 'alertRuleId' | 'organizationId' | 'bucketId' | 'dataSourceId' | 'type' | 'body' | 'createdAt'
>;

export const WebhookDeliveryModel = model('WebhookDelivery', webhookDeliverySchema);
