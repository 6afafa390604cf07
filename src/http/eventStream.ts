import type { Response } from 'express';
import type { Logger } from '../logger';
import type { StreamEvent, StreamSink } from '../modules/stream/streamBucket';

export interface EventStreamOptions {
  heartbeatMs: number;
  /** A client with more than this many bytes still unsent when the next events come is dropped rather than buffered for. */
  maxBufferedBytes: number;
  logger: Logger;
  /** Called when the head is sent: a stream is answered, so the request deadline no longer applies. */
  onOpen: () => void;
}

const singleLine = (text: string) => text.replace(/[\r\n]/g, '');

/** A point's event, and a batch of them, go to every subscriber of a bucket: each text is built once. */
const frames = new WeakMap<StreamEvent, string>();
const batches = new WeakMap<readonly StreamEvent[], string>();
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

function textOf(events: readonly StreamEvent[]): string {
  let text = batches.get(events);
  if (text === undefined) {
    text = events.map(frameOf).join('');
    batches.set(events, text);
  }
  return text;
}

/**
 * Server-Sent Events over an Express response. Headers keep caches and proxies from
 * buffering or transforming it (nginx reads X-Accel-Buffering; `no-transform` forbids
 * compression on the way); a comment every `heartbeatMs` keeps idle proxies from closing it.
 */
export function openEventStream(res: Response, options: EventStreamOptions): StreamSink {
  let ended = false;
  let heartbeat: NodeJS.Timeout | undefined;
  // 'close' fires once: a client gone before the stream opened must not leave it waiting for it.
  const left = () => res.destroyed || res.closed || !res.socket || res.socket.destroyed;
  const closed = left() ? Promise.resolve() : new Promise<void>((resolve) => res.on('close', resolve));
  const stop = () => {
    ended = true;
    clearInterval(heartbeat);
  };
  void closed.then(stop);
  const drop = (reason: string) => {
    options.logger.info({ bufferedBytes: res.writableLength }, reason);
    stop();
    res.destroy();
  };

  // A client is slow when what was written before is still waiting: a burst that drains is fine.
  const write = (text: string): boolean => {
    if (ended) return false;
    if (res.writableLength > options.maxBufferedBytes) {
      drop('stream client stopped reading; dropped');
      return false;
    }
    if (text !== '') res.write(text);
    return true;
  };

  return {
    open: () => {
      if (ended) return;
      options.onOpen();
      res.status(200);
      res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
      res.setHeader('Cache-Control', 'no-cache, no-transform');
      res.setHeader('X-Accel-Buffering', 'no');
      if (res.req.httpVersionMajor === 1) res.setHeader('Connection', 'keep-alive');
      res.socket?.setNoDelay(true);
      res.flushHeaders();
      write('retry: 3000\n\n');
      heartbeat = setInterval(() => write(': ping\n\n'), options.heartbeatMs).unref();
    },
    send: (events) => write(textOf(events)),
    drained: () =>
      new Promise<boolean>((resolve) => {
        if (ended || !res.writableNeedDrain) {
          resolve(!ended);
          return;
        }
        const settle = (drained: boolean) => {
          clearTimeout(timer);
          res.off('drain', onDrain).off('close', onClose);
          resolve(drained);
        };
        const onDrain = () => settle(true);
        const onClose = () => settle(false);
        // A client that takes nothing for a heartbeat's time is not coming back for the rest.
        const timer = setTimeout(() => {
          drop('stream client stopped reading during a replay; dropped');
          settle(false);
        }, options.heartbeatMs);
        res.once('drain', onDrain).once('close', onClose);
      }),
    end: () => {
      if (ended) return;
      stop();
      res.end();
    },
    closed,
    left,
  };
}
