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
  requestHash: string;
  state: 'pending' | 'done';
  response?: unknown;
  createdAt: Date;
}

const idempotencySchema = new Schema<IdempotencyRecord>(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    requestHash: { type: String, required: true },
    state: { type: String, enum: ['pending', 'done'], required: true },
    response: { type: Schema.Types.Mixed },
    createdAt: { type: Date, required: true },
  },
  { collection: collections.idempotencyKeys, versionKey: false },
);
// Housekeeping on real MongoDB; correctness never depends on it (the code checks the age).
idempotencySchema.index({ createdAt: 1 }, { expireAfterSeconds: idempotencyWindowMs / 1000 });

export const IdempotencyModel = model('IdempotencyRecord', idempotencySchema);

/** The driver collection, typed. */
export const idempotencyRecords = () => IdempotencyModel.collection as unknown as mongo.Collection<IdempotencyRecord>;
