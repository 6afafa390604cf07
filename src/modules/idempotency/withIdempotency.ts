import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import { isDuplicateKeyError } from '../../db/isDuplicateKeyError';
import { DomainError } from '../../shared/errors';
import { idempotencyRecords, idempotencyWindowMs, type IdempotencyRecord } from './model';

/** A claim older than this is taken to belong to a request that died; a retry may take it over. */
const abandonedClaimMs = 30_000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** 96 bits of a SHA-256: collisions are not a practical concern at any ingest volume. */
const objectIdFrom = (text: string) => new Types.ObjectId(sha256(text).slice(0, 24));

export interface IdempotentRun<T> {
  scope: string;
  key: string | undefined;
  /** What makes two requests "the same": a retry must send an identical one. */
  request: unknown;
  /**
   * The work itself. `ids.idFor(n)` gives the n-th document a stable _id derived from the
   * key; `ids.resuming` says an earlier attempt may have written some of them already.
   */
  run: (ids: StableIds | null) => Promise<T>;
}

export interface StableIds {
  idFor: (n: number) => Types.ObjectId;
  resuming: boolean;
}

type Claim = { kind: 'claimed'; resuming: boolean } | { kind: 'replay'; response: unknown };

async function claim(id: Types.ObjectId, requestHash: string, now: Date): Promise<Claim> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      await idempotencyRecords().insertOne({ _id: id, requestHash, state: 'pending', createdAt: now });
      return { kind: 'claimed', resuming: false };
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
    return { kind: 'claimed', resuming: true };
  }
  throw new DomainError('IDEMPOTENCY_IN_PROGRESS');
}

/**
 * Idempotency-Key handling that relies only on _id uniqueness (the embedded database does
 * not enforce unique indexes): the first request claims a record keyed by the key's hash,
 * and its documents get _ids derived from the key. A retry with the same request gets the
 * stored response; a different request with the same key gets 409.
 */
export async function withIdempotency<T>({ scope, key, request, run }: IdempotentRun<T>): Promise<T> {
  if (key === undefined) return run(null);
  const id = objectIdFrom(`${scope}\n${key}`);
  const claimed = await claim(id, sha256(JSON.stringify(request)), new Date());
  if (claimed.kind === 'replay') return claimed.response as T;

  const idFor = (n: number) => objectIdFrom(`${id.toHexString()}\n${n}`);
  let response: T;
  try {
    response = await run({ idFor, resuming: claimed.resuming });
  } catch (error) {
    // Let an honest retry start over; documents already written keep their derived _ids.
    await idempotencyRecords().deleteOne({ _id: id, state: 'pending' }).catch(() => undefined);
    throw error;
  }
  await idempotencyRecords().updateOne({ _id: id }, { $set: { state: 'done', response } });
  return response;
}
