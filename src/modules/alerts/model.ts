import { Schema, model, type Types } from 'mongoose';
import { collections } from '../../shared/collections';
import type { ParsedCondition } from './parseCondition';

export const ruleStatuses = ['active', 'paused', 'disabled'] as const;
export const ruleStates = ['ok', 'pending', 'firing'] as const;
export type RuleStatus = (typeof ruleStatuses)[number];
export type RuleState = (typeof ruleStates)[number];
export const alertEventTypes = ['alert.triggered', 'alert.resolved', 'alert.test'] as const;
export type AlertEventType = (typeof alertEventTypes)[number];

/** A webhook secret sealed with the server's key; `expiresAt` is set on the old one by a rotation. */
export interface SealedSecret {
  sealed: string;
  expiresAt: Date | null;
}

/** A notification owed, written in the same update as the transition that caused it. */
export interface OutboxEntry {
  _id: Types.ObjectId;
  type: AlertEventType;
  /** The exact JSON text to send; signatures are computed over it, so it is never re-serialized. */
  body: string;
  createdAt: Date;
}

const alertRuleSchema = new Schema(
  {
    organizationId: { type: Schema.Types.ObjectId, required: true },
    bucketId: { type: Schema.Types.ObjectId, required: true },
    dataSourceId: { type: Schema.Types.ObjectId, required: true },
    name: { type: String, required: true },
    condition: { type: String, required: true },
    parsedCondition: { type: Schema.Types.Mixed, required: true },
    webhookUrl: { type: String, required: true },
    status: { type: String, enum: ruleStatuses, default: 'active' },
    state: { type: String, enum: ruleStates, default: 'ok' },
    cooldownMinutes: { type: Number, default: 5 },
    /** Bumped by every transition; a transition applies only to the version it was computed from. */
    stateVersion: { type: Number, default: 0 },
    /** Timestamp of the first matching point of a `for` condition still pending. */
    pendingSince: { type: Date, default: null },
    /** Newest point timestamp the rule evaluated when it last changed; older points cannot move it. */
    lastPointAt: { type: Date, default: null },
    /** Since when a no-data rule counts silence: its creation, resume or change. */
    armedAt: { type: Date, required: true },
    lastTriggeredAt: { type: Date, default: null },
    lastResolvedAt: { type: Date, default: null },
    webhookSecrets: { type: [{ _id: false, sealed: String, expiresAt: Date }], default: [] },
    outbox: { type: [{ type: Schema.Types.Mixed }], default: [] },
  },
  { timestamps: true, collection: collections.alertRules, minimize: false },
);
alertRuleSchema.index({ bucketId: 1, createdAt: 1 });
alertRuleSchema.index({ dataSourceId: 1 });
alertRuleSchema.index({ 'outbox._id': 1 }, { sparse: true });

export interface AlertRuleRecord {
  _id: Types.ObjectId;
  organizationId: Types.ObjectId;
  bucketId: Types.ObjectId;
  dataSourceId: Types.ObjectId;
  name: string;
  condition: string;
  parsedCondition: ParsedCondition;
  webhookUrl: string;
  status: RuleStatus;
  state: RuleState;
  cooldownMinutes: number;
  stateVersion: number;
  pendingSince: Date | null;
  lastPointAt: Date | null;
  armedAt: Date;
  lastTriggeredAt: Date | null;
  lastResolvedAt: Date | null;
  webhookSecrets: SealedSecret[];
  outbox: OutboxEntry[];
  createdAt: Date;
  updatedAt: Date;
}

export const AlertRuleModel = model('AlertRule', alertRuleSchema);
