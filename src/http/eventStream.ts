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

const toFrame = ({ id, event, data }: StreamEvent) =>
  `${id === undefined ? '' : `id: ${singleLine(id)}\n`}event: ${singleLine(event)}\n${data
    .split(/\r?\n/)
    .map((line) => `data: ${line}\n`)
    .join('')}\n`;

/**
 * Server-Sent Events over an Express response. Headers keep caches and proxies from
 * buffering or transforming it (nginx reads X-Accel-Buffering; `no-transform` forbids
 * compression on the way); a comment every `heartbeatMs` keeps idle proxies from closing it.
 */
export function openEventStream(res: Response, options: EventStreamOptions): StreamSink {
  let ended = false;
  let heartbeat: NodeJS.Timeout | undefined;
  const closed = new Promise<void>((resolve) => res.on('close', resolve));
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    res.end();
  };
  void closed.then(() => {
    ended = true;
    clearInterval(heartbeat);
  });
  // A client is slow when what was written before is still waiting: a burst that drains is fine.
  const write = (frame: string): boolean => {
    if (ended) return false;
    if (frame === '') return true;
    if (res.writableLength > options.maxBufferedBytes) {
      options.logger.info({ bufferedBytes: res.writableLength }, 'stream client stopped reading; dropped');
      ended = true;
      clearInterval(heartbeat);
      res.destroy();
      return false;
    }
    res.write(frame);
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
      write('retry: 3000\n\n');
      heartbeat = setInterval(() => write(': ping\n\n'), options.heartbeatMs).unref();
    },
    // One write per batch of events: a burst is one chunk for the socket, not one per point.
    send: (events) => write(events.map(toFrame).join('')),
    drained: () =>
      ended || !res.writableNeedDrain ? Promise.resolve() : new Promise((resolve) => res.once('drain', resolve).once('close', resolve)),
    end,
    closed,
  };
}
