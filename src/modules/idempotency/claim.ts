import { randomBytes } from 'node:crypto';
import type { Types } from 'mongoose';
import { isDuplicateKeyError } from '../../db/isDuplicateKeyError';
import { DomainError } from '../../shared/errors';
import { idempotencyRecords, idempotencyWindowMs } from './model';

/** A claim older than this is taken to belong to a request that died; a retry may take it over. */
const abandonedClaimMs = 30_000;

export type Claim = { kind: 'claimed'; generation: string; resuming: boolean } | { kind: 'replay'; response: unknown };

/**
 * Claims an Idempotency-Key for one request. Only _id uniqueness is relied on (the embedded
 * database enforces no unique index): the first insert wins, a same request later replays
 * the stored response, a different one is refused, and a record past its window is
 * replaced by a new claim with a new generation.
 */
export async function claimKey(id: Types.ObjectId, requestHash: string, now: Date): Promise<Claim> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const generation = randomBytes(12).toString('hex');
    try {
      await idempotencyRecords().insertOne({ _id: id, generation, requestHash, state: 'pending', createdAt: now });
      return { kind: 'claimed', generation, resuming: false };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const existing = await idempotencyRecords().findOne({ _id: id });
    if (!existing) continue;
    const age = now.getTime() - existing.createdAt.getTime();
    if (age > idempotencyWindowMs) {
      await idempotencyRecords().deleteOne({ _id: id, createdAt: existing.createdAt });
      continue;
    }
    if (existing.requestHash !== requestHash) throw new DomainError('IDEMPOTENCY_KEY_REUSED');
    if (existing.state === 'done') return { kind: 'replay', response: existing.response };
    if (age < abandonedClaimMs) throw new DomainError('IDEMPOTENCY_IN_PROGRESS');
    return { kind: 'claimed', generation: existing.generation ?? '', resuming: true };
  }
  throw new DomainError('IDEMPOTENCY_IN_PROGRESS');
}

export const completeClaim = (id: Types.ObjectId, response: unknown) =>
  idempotencyRecords().updateOne({ _id: id }, { $set: { state: 'done', response } });

/** Lets an honest retry start over after a failure. */
export const releaseClaim = (id: Types.ObjectId) =>
  idempotencyRecords()
    .deleteOne({ _id: id, state: 'pending' })
    .catch(() => undefined);
