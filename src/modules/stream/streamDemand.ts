import { setTimeout as delay } from 'node:timers/promises';
import mongoose, { Types } from 'mongoose';
import { isDuplicateKeyError } from '../../db/isDuplicateKeyError';
import type { Logger } from '../../logger';
import { collections } from '../../shared/collections';

/**
 * Which buckets are streamed somewhere. Copying committed points to the live-event log
 * costs the ingest path about as much as storing them (measured: a third of the database's
 * work, a sixth of the server's), so an instance copies only the points of buckets some
 * instance streams. A stream declares its bucket before it opens and waits until every
 * instance has seen the declaration; it lasts twice the replay window past the last stream,
 * so a reconnect with Last-Event-ID always finds the log complete.
 */
export interface StreamDemand {
  /** Whether this instance copies the bucket's committed points to the log now. */
  logs: (bucketId: string) => boolean;
  /** Declares a stream on the bucket; resolves once every instance copies its points. */
  declare: (bucketId: string) => Promise<void>;
  start: () => void;
  stop: () => void;
}

export interface StreamDemandOptions {
  /** How often each instance reads the declarations. */
  refreshMs: number;
  /** How long a declaration outlives its last stream. */
  lingerMs: number;
  logger: Logger;
}

interface DemandRecord {
  _id: Types.ObjectId;
  bucketId: Types.ObjectId;
  /** When this run of declarations began: instances that refreshed since then copy the bucket. */
  since: Date;
  until: Date;
}

const demands = () => mongoose.connection.collection<DemandRecord>(collections.streamDemand);

export function createStreamDemand(options: StreamDemandOptions): StreamDemand {
  /** Bucket → until (ms), as last read; this instance's own declarations are added at once. */
  let known = new Map<string, number>();
  /** Until a read succeeds (at start, or after a failed one), every bucket is copied: missing a declaration would lose points. */
  let unsure = true;
  const declared = new Map<string, { until: number; readyAt: number }>();
  let timer: NodeJS.Timeout | undefined;
  // A read that started before a declaration was visible may end up to a refresh later.
  const propagationMs = options.refreshMs + Math.max(250, options.refreshMs / 2);

  const refresh = async () => {
    try {
      const live = await demands()
        .find({ until: { $gt: new Date() } }, { projection: { until: 1 } })
        .toArray();
      const next = new Map(live.map((record) => [record._id.toHexString(), record.until.getTime()]));
      for (const [bucketId, own] of declared) next.set(bucketId, Math.max(own.until, next.get(bucketId) ?? 0));
      known = next;
      unsure = false;
    } catch (error) {
      if (!unsure)
        options.logger.warn({ err: (error as Error).message }, 'stream demand read failed; copying every bucket to the live log');
      unsure = true;
    }
  };

  const record = async (bucketId: string, now: number, until: Date): Promise<DemandRecord | null> => {
    const _id = new Types.ObjectId(bucketId);
    // A lapsed declaration starts a new run: instances may have stopped copying the bucket.
    await demands().updateOne({ _id, until: { $lte: new Date(now) } }, { $set: { since: new Date(now), until } });
    const upsert = () =>
      demands().updateOne({ _id }, { $setOnInsert: { bucketId: _id, since: new Date(now) }, $max: { until } }, { upsert: true });
    await upsert().catch((error: unknown) => (isDuplicateKeyError(error) ? upsert() : Promise.reject(error)));
    return demands().findOne({ _id });
  };

  return {
    logs: (bucketId) => unsure || (known.get(bucketId) ?? 0) > Date.now(),
    declare: async (bucketId) => {
      const now = Date.now();
      const own = declared.get(bucketId);
      if (own && own.readyAt <= now && own.until - now > options.lingerMs / 2) return;
      const until = new Date(now + options.lingerMs);
      const stored = await record(bucketId, now, until);
      const readyAt = (stored?.since.getTime() ?? now) + propagationMs;
      declared.set(bucketId, { until: until.getTime(), readyAt });
      known.set(bucketId, Math.max(until.getTime(), known.get(bucketId) ?? 0));
      for (const [id, entry] of declared) if (entry.until < now) declared.delete(id);
      if (readyAt > Date.now()) await delay(readyAt - Date.now());
    },
    start: () => {
      void refresh();
      timer ??= setInterval(() => void refresh(), options.refreshMs);
      timer.unref();
    },
    stop: () => {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
