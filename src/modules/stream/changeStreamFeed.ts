import mongoose, { type mongo } from 'mongoose';
import { LiveEventModel, type LiveEventRecord } from './liveEventLog';
import type { RemoteFeed, RemoteFeedOptions } from './pollingFeed';

const reopenDelayMs = 1000;
/** The resume point is gone (oplog rolled over, or the stream cannot go on from it): start again from now. */
const lostResumePointCodes = new Set([280, 286]);

const watchInserts = (instanceId: string, resumeAfter: mongo.ResumeToken | undefined) =>
  LiveEventModel.collection.watch<LiveEventRecord, mongo.ChangeStreamInsertDocument<LiveEventRecord>>(
    [{ $match: { operationType: 'insert', 'fullDocument.instanceId': { $ne: instanceId } } }],
    resumeAfter ? { resumeAfter } : {},
  );

/**
 * Whether the database offers change streams: only a replica set or a sharded cluster
 * does (a standalone answers 40573; the embedded database has none), and then one is
 * opened to be sure (on a replica set its first read returns after about a second).
 */
export async function changeStreamsAvailable(): Promise<boolean> {
  const hello = await mongoose.connection.db!.admin().command({ hello: 1 });
  if (!hello.setName && hello.msg !== 'isdbgrid') return false;
  const probe = watchInserts('', undefined);
  try {
    await probe.tryNext();
    return true;
  } catch {
    return false;
  } finally {
    await probe.close().catch(() => undefined);
  }
}

/**
 * One change stream per instance on the live-event log, filtered per subscriber in memory.
 * The driver resumes by itself after resumable errors (an election); when the stream ends
 * otherwise, it is opened again after the last event seen, so nothing in between is lost
 * unless the oplog no longer has it.
 */
export function startChangeStreamFeed(options: RemoteFeedOptions): RemoteFeed {
  let stream: ReturnType<typeof watchInserts> | undefined;
  let resumeToken: mongo.ResumeToken | undefined;
  let stopped = false;
  const open = () => {
    if (stopped) return;
    const opened = watchInserts(options.instanceId, resumeToken);
    stream = opened;
    let reopening = false;
    let resumePointLost = false;
    const reopen = () => {
      if (reopening || stopped) return;
      reopening = true;
      resumeToken = resumePointLost ? undefined : (opened.resumeToken ?? resumeToken);
      void opened.close().catch(() => undefined);
      setTimeout(open, reopenDelayMs).unref();
    };
    opened.on('change', (change) => options.onEvent(change.fullDocument));
    opened.on('error', (error: mongo.MongoError) => {
      resumePointLost = typeof error.code === 'number' && lostResumePointCodes.has(error.code);
      options.logger.warn({ err: error.message, code: error.code, resumePointLost }, 'live-event change stream failed; reopening');
      reopen();
    });
    opened.on('close', reopen);
  };
  open();
  return {
    stop: async () => {
      stopped = true;
      await stream?.close().catch(() => undefined);
    },
  };
}
