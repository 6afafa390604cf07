import type { Response } from 'express';
import type { Logger } from '../logger';
import type { StreamEvent, StreamSink } from '../modules/stream/streamBucket';

export interface EventStreamOptions {
  heartbeatMs: number;
  /** A client with more than this many bytes still unsent when the next events come is dropped rather than buffered for. */
  maxBufferedBytes: number;
  /** Events within this long after a write wait and go out together in the next one. */
  coalesceMs: number;
  logger: Logger;
  /** Called when the head is sent: a stream is answered, so the request deadline no longer applies. */
  onOpen: () => void;
}

const singleLine = (text: string) => text.replace(/[\r\n]/g, '');

/** A point's event goes to every subscriber of its bucket: its frame is built once. */
const frames = new WeakMap<StreamEvent, string>();
function frameOf(event: StreamEvent): string {
  let frame = frames.get(event);
  if (frame === undefined) {
    const data = event.data
      .split(/\r?\n/)
      .map((line) => `data: ${line}\n`)
      .join('');
    frame = `${event.id === undefined ? '' : `id: ${singleLine(event.id)}\n`}event: ${singleLine(event.event)}\n${data}\n`;
    frames.set(event, frame);
  }
  return frame;
}

/**
 * Server-Sent Events over an Express response. Headers keep caches and proxies from
 * buffering or transforming it (nginx reads X-Accel-Buffering; `no-transform` forbids
 * compression on the way); a comment every `heartbeatMs` keeps idle proxies from closing it.
 * Under a burst, one socket write per `coalesceMs` carries every event of that moment: with
 * hundreds of subscribers, writes per point would cost more than the ingest itself.
 */
export function openEventStream(res: Response, options: EventStreamOptions): StreamSink {
  let ended = false;
  let heartbeat: NodeJS.Timeout | undefined;
  let pending: string[] = [];
  let flushTimer: NodeJS.Timeout | undefined;
  let lastWriteAt = 0;
  const closed = new Promise<void>((resolve) => res.on('close', resolve));
  const stop = () => {
    ended = true;
    clearInterval(heartbeat);
    clearTimeout(flushTimer);
    pending = [];
  };
  void closed.then(stop);

  // A client is slow when what was written before is still waiting: a burst that drains is fine.
  const flush = (): boolean => {
    flushTimer = undefined;
    if (ended) return false;
    if (res.writableLength > options.maxBufferedBytes) {
      options.logger.info({ bufferedBytes: res.writableLength }, 'stream client stopped reading; dropped');
      stop();
      res.destroy();
      return false;
    }
    if (pending.length > 0) res.write(pending.join(''));
    pending = [];
    lastWriteAt = Date.now();
    return true;
  };
  const enqueue = (frame: string): boolean => {
    if (ended) return false;
    pending.push(frame);
    if (flushTimer) return true;
    const wait = lastWriteAt + options.coalesceMs - Date.now();
    if (wait <= 0) return flush();
    flushTimer = setTimeout(flush, wait);
    return true;
  };

  return {
    open: () => {
      options.onOpen();
      res.status(200);
      res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
      res.setHeader('Cache-Control', 'no-cache, no-transform');
      res.setHeader('X-Accel-Buffering', 'no');
      if (res.req.httpVersionMajor === 1) res.setHeader('Connection', 'keep-alive');
      res.socket?.setNoDelay(true);
      res.flushHeaders();
      enqueue('retry: 3000\n\n');
      heartbeat = setInterval(() => enqueue(': ping\n\n'), options.heartbeatMs).unref();
    },
    send: (events) => {
      for (const event of events) if (!enqueue(frameOf(event))) return false;
      return true;
    },
    drained: () => {
      if (flushTimer) {
        clearTimeout(flushTimer);
        flush();
      }
      return ended || !res.writableNeedDrain
        ? Promise.resolve()
        : new Promise((resolve) => res.once('drain', resolve).once('close', resolve));
    },
    end: () => {
      if (ended) return;
      if (flushTimer) {
        clearTimeout(flushTimer);
        flush();
      }
      stop();
      res.end();
    },
    closed,
  };
}
