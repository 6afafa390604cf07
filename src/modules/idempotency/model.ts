import type { mongo } from 'mongoose';
import { Schema, model, type Types } from 'mongoose';
import { collections } from '../../shared/collections';

export const idempotencyWindowMs = 24 * 60 * 60 * 1000;

export interface IdempotencyRecord {
  /**
   * Derived from scope and Idempotency-Key: the _id is the one uniqueness every supported
   * database enforces. An ObjectId, because the embedded database accepts no other _id type.
   */
  _id: Types.ObjectId;
  /**
   * Random per claim: the written documents' _ids derive from it, so a key used again after
   * its window gets new _ids and never collides with what the expired request stored.
   * Absent on records written before it existed.
   */
  generation?: string;
  requestHash: string;
  state: 'pending' | 'done';
  response?: unknown;
  createdAt: Date;
}

const idempotencySchema = new Schema<IdempotencyRecord>(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    generation: { type: String },
    requestHash: { type: String, required: true },
    state: { type: String, enum: ['pending', 'done'], required: true },
    response: { type: Schema.Types.Mixed },
    createdAt: { type: Date, required: true },
  },
  { collection: collections.idempotencyKeys, versionKey: false },
);
// Housekeeping on real MongoDB; the retention job does it on databases without a TTL monitor,
// and correctness never depends on either (the code checks the age).
idempotencySchema.index({ createdAt: 1 }, { expireAfterSeconds: idempotencyWindowMs / 1000 });

export const IdempotencyModel = model('IdempotencyRecord', idempotencySchema);

/** The driver collection, typed. */
export const idempotencyRecords = () => IdempotencyModel.collection as unknown as mongo.Collection<IdempotencyRecord>;

/** Removes records past their window; returns how many. */
export async function deleteExpiredIdempotencyRecords(now = Date.now()): Promise<number> {
  const result = await idempotencyRecords().deleteMany({ createdAt: { $lt: new Date(now - idempotencyWindowMs) } });
  return result.deletedCount;
}
