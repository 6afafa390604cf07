import { Schema, Types, model } from 'mongoose';
import { collections } from '../../shared/collections';
import type { LoggedPoint } from './commitClock';

/**
 * Committed points of one bucket, as one instance saw them within one flush window: what
 * other instances stream to their subscribers and what Last-Event-ID replays from. A small,
 * short-lived collection, because points themselves may live in a time-series collection,
 * which has no change streams and no index on commit time.
 */
export interface LiveEventRecord {
  _id: Types.ObjectId;
  instanceId: string;
  bucketId: Types.ObjectId;
  /** When the instance wrote it (its clock); no point in it has a later committedAt. */
  createdAt: Date;
  points: LoggedPoint[];
}

const liveEventSchema = new Schema(
  {
    instanceId: { type: String, required: true },
    bucketId: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
    points: { type: [Schema.Types.Mixed], required: true },
  },
  { collection: collections.liveEvents, versionKey: false },
);
liveEventSchema.index({ createdAt: 1 });
liveEventSchema.index({ bucketId: 1, createdAt: 1 });

export const LiveEventModel = model('LiveEvent', liveEventSchema);
const events = () => LiveEventModel.collection;

export const appendLiveEvents = async (records: LiveEventRecord[]) => {
  await events().insertMany(records, { ordered: false });
};

/** Every instance's events written since `since`, except this instance's own (it delivered those itself). */
export const liveEventsSince = (since: Date, exceptInstance: string) =>
  events()
    .find({ createdAt: { $gte: since }, instanceId: { $ne: exceptInstance } })
    .sort({ createdAt: 1, _id: 1 })
    .toArray() as Promise<LiveEventRecord[]>;

/** A bucket's events from `sinceMs` on, oldest first, read lazily: a replay stops as soon as it has enough. */
export const bucketLiveEventsSince = (bucketId: string, sinceMs: number) =>
  events()
    .find({ bucketId: new Types.ObjectId(bucketId), createdAt: { $gte: new Date(sinceMs) } })
    .sort({ createdAt: 1, _id: 1 })
    .batchSize(64);

export const pruneLiveEvents = (before: Date) => events().deleteMany({ createdAt: { $lt: before } });
