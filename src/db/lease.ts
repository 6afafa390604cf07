import { createHash } from 'node:crypto';
import mongoose, { Types } from 'mongoose';
import { collections } from '../shared/collections';

interface LeaseDocument {
  _id: Types.ObjectId;
  name: string;
  owner: string;
  expiresAt: Date;
}

/** A fixed _id per lease name (the embedded database only takes ObjectId _ids). */
const leaseId = (name: string) => new Types.ObjectId(createHash('md5').update(`lease:${name}`).digest('hex').slice(0, 24));

/** Two instances upserting the same lease at once: the loser sees a duplicate _id. */
const isConflict = (error: unknown) => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 11000 || (code === 1 && /duplicate key/i.test((error as Error).message));
};

/**
 * Takes or renews the lease `name` for `owner` for `ttlMs`, answering whether `owner` holds
 * it now. One conditional upsert: it matches only a lease that lapsed or that `owner` already
 * holds, so at most one instance holds it at a time (on a replica set, writes are majority by
 * default). A holder that dies loses it after `ttlMs`.
 */
export async function holdLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
  const now = new Date();
  const leases = mongoose.connection.collection<LeaseDocument>(collections.leases);
  try {
    const lease = await leases.findOneAndUpdate(
      { _id: leaseId(name), $or: [{ expiresAt: { $lt: now } }, { owner }] },
      { $set: { name, owner, expiresAt: new Date(now.getTime() + ttlMs) } },
      { upsert: true, returnDocument: 'after' },
    );
    return lease?.owner === owner;
  } catch (error) {
    if (isConflict(error)) return false;
    throw error;
  }
}

/** Gives the lease up at shutdown, so another instance need not wait for it to lapse. */
export async function releaseLease(name: string, owner: string): Promise<void> {
  const leases = mongoose.connection.collection<LeaseDocument>(collections.leases);
  await leases.updateOne({ _id: leaseId(name), owner }, { $set: { expiresAt: new Date(0) } });
}
