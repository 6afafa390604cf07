import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The raw body, exactly as sent: what a signature is verified against. */
  body: string;
  at: number;
}

/** How the receiver answers a request: a status, optionally after a delay (to provoke a timeout). */
export interface Reply {
  status: number;
  delayMs?: number;
  headers?: Record<string, string>;
}

export interface WebhookReceiver {
  /** http://127.0.0.1:<port>; a rule's webhookUrl is this plus a path. */
  url: string;
  received: ReceivedWebhook[];
  /** Sets the replies for a path, used in order; the last one repeats. Default 204. */
  replyOn: (path: string, ...replies: Reply[]) => void;
  /** Resolves once `count` requests arrived on `path` (or rejects after `timeoutMs`). */
  waitFor: (path: string, count: number, timeoutMs?: number) => Promise<ReceivedWebhook[]>;
  close: () => Promise<void>;
}

/** A plain node:http server standing in for a customer's webhook endpoint. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const replies = new Map<string, Reply[]>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const queue = replies.get(path) ?? [];
      const reply = (queue.length > 1 ? queue.shift() : queue[0]) ?? { status: 204 };
      const answer = () => {
        if (!response.destroyed) response.writeHead(reply.status, reply.headers).end();
      };
      if (reply.delayMs) setTimeout(answer, reply.delayMs).unref();
      else answer();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const on = (path: string) => received.filter((request) => request.path === path);
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    replyOn: (path, ...list) => replies.set(path, list),
    waitFor: async (path, count, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      while (on(path).length < count) {
        if (Date.now() > deadline)
          throw new Error(`expected ${count} webhook(s) on ${path} within ${timeoutMs} ms, got ${on(path).length}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return on(path);
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
