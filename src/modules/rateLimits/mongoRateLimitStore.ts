import { createHash } from 'node:crypto';
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import { Schema, Types, model } from 'mongoose';
import { collections } from '../../shared/collections';

interface WindowCounter {
  _id: Types.ObjectId;
  hits: number;
  expiresAt: Date;
}

const windowCounterSchema = new Schema<WindowCounter>(
  { _id: { type: Schema.Types.ObjectId }, hits: { type: Number, required: true }, expiresAt: { type: Date, required: true } },
  { collection: collections.rateLimits, versionKey: false },
);
// Housekeeping on real MongoDB only; a counter's window is part of its _id, so stale ones are never read.
windowCounterSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
const WindowCounterModel = model('RateLimitWindow', windowCounterSchema);

/**
 * A fixed-window rate-limit store on MongoDB, shared by every instance on the database.
 * One counter document per subject and window, its ObjectId _id derived from both (the
 * embedded database accepts no other _id type), incremented atomically with an upsert.
 * Costs one round trip per counted request; the memory store stays the default.
 */
export class MongoRateLimitStore implements Store {
  windowMs = 60_000;
  localKeys = false;
  prefix = 'dakkio:';

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  private window(key: string, now = Date.now()) {
    const start = Math.floor(now / this.windowMs) * this.windowMs;
    const id = new Types.ObjectId(createHash('sha256').update(`${this.prefix}${key}\n${start}`).digest('hex').slice(0, 24));
    return { id, resetTime: new Date(start + this.windowMs) };
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const { id, resetTime } = this.window(key);
    const counter = await WindowCounterModel.collection.findOneAndUpdate(
      { _id: id },
      { $inc: { hits: 1 }, $setOnInsert: { expiresAt: resetTime } },
      { upsert: true, returnDocument: 'after' },
    );
    return { totalHits: (counter?.hits as number | undefined) ?? 1, resetTime };
  }

  async decrement(key: string): Promise<void> {
    await WindowCounterModel.collection.updateOne({ _id: this.window(key).id }, { $inc: { hits: -1 } });
  }

  async resetKey(key: string): Promise<void> {
    await WindowCounterModel.collection.deleteOne({ _id: this.window(key).id });
  }
}
