import type { mongo } from 'mongoose';
import { LiveEventModel, type LiveEventRecord } from './liveEventLog';
import type { RemoteFeed, RemoteFeedOptions } from './pollingFeed';

const reopenDelayMs = 1000;

const watchInserts = (instanceId: string, resumeAfter: mongo.ResumeToken | undefined) =>
  LiveEventModel.collection.watch<LiveEventRecord, mongo.ChangeStreamInsertDocument<LiveEventRecord>>(
    [{ $match: { operationType: 'insert', 'fullDocument.instanceId': { $ne: instanceId } } }],
    resumeAfter ? { resumeAfter } : {},
  );

/** Opens one change stream to learn whether the database offers them; closes it again. */
export async function changeStreamsAvailable(): Promise<boolean> {
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
 * One change stream per instance on the live-event log (replica sets and sharded clusters),
 * filtered per subscriber in memory. On an error it reopens after the last event it handed
 * on, so a primary election loses nothing.
 */
export function startChangeStreamFeed(options: RemoteFeedOptions): RemoteFeed {
  let stream: ReturnType<typeof watchInserts> | undefined;
  let resumeToken: mongo.ResumeToken | undefined;
  let stopped = false;
  const open = () => {
    if (stopped) return;
    const opened = watchInserts(options.instanceId, resumeToken);
    stream = opened;
    opened.on('change', (change) => {
      resumeToken = change._id;
      options.onEvent(change.fullDocument);
    });
    opened.on('error', (error) => {
      options.logger.warn({ err: error.message }, 'live-event change stream failed; reopening');
      void opened.close().catch(() => undefined);
      setTimeout(open, reopenDelayMs).unref();
    });
  };
  open();
  return {
    stop: async () => {
      stopped = true;
      await stream?.close().catch(() => undefined);
    },
  };
}
