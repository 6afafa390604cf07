import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import type { TestApp } from './testApp';

/** The port the test app listens on (supertest's agent keeps the server it was given). */
export function portOf(app: TestApp): number {
  const server = (app.http as unknown as { app: Server }).app;
  return (server.address() as AddressInfo).port;
}

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The parsed JSON body, or undefined when it is not JSON. */
  body: any;
  ms: number;
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string | number>;
  /** Bytes written as the body. */
  body?: Buffer | string;
  /**
   * Keep the request open after writing the body (no end()), e.g. when Content-Length
   * announces more bytes than are sent.
   */
  keepOpen?: boolean;
  /** Resolve with 'no response' when no response has arrived within this many ms. */
  waitMs?: number;
}

/**
 * One request over node:http with exactly the headers and bytes given (no client-side
 * encoding, no Content-Length fix-up). With keepOpen the socket stays open until the
 * response arrived or waitMs passed, then it is destroyed.
 */
export function rawRequest(app: TestApp, request: RawRequest): Promise<RawAnswer | 'no response'> {
  const waitMs = request.waitMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const req = http.request({
      host: '127.0.0.1',
      port: portOf(app),
      method: request.method,
      path: request.path,
      headers: request.headers,
      agent: false,
    });
    let settled = false;
    const finish = (answer: RawAnswer | 'no response') => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish('no response'), waitMs);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        finish({ status: res.statusCode ?? 0, headers: res.headers, text, body: parseJson(text), ms: Date.now() - started });
      });
      res.on('error', (error) => (settled ? undefined : reject(error)));
    });
    req.on('error', (error) => {
      // Destroying the request after the answer arrived is expected to raise here.
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(error);
      }
    });
    if (request.body !== undefined) req.write(request.body);
    if (!request.keepOpen) req.end();
    else req.flushHeaders();
  });
}

/** A random well-formed key of a type that no database holds. */
export function unknownKey(type: 'a' | 'w' | 'r' = 'w'): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let secret = '';
  for (let i = 0; i < 40; i += 1) secret += alphabet[Math.floor(Math.random() * alphabet.length)];
  return `dakkio_${type}_${secret}`;
}

/**
 * For table-driven suites that send every route a request: a stream's success never ends,
 * so its answer is read up to the first chunk and the connection closed; any other answer
 * (errors included) is parsed as JSON as usual. The body of a stream reads `undefined`.
 */
export function endAtFirstChunkOfStream<T extends import('supertest').Test>(req: T): T {
  return req.buffer(true).parse((res, done) => {
    let text = '';
    res.setEncoding('utf8');
    if (String(res.headers['content-type']).startsWith('text/event-stream')) {
      res.once('data', () => {
        done(null, undefined);
        (res as unknown as { destroy: () => void }).destroy();
      });
      return;
    }
    res.on('data', (chunk: string) => (text += chunk));
    res.on('end', () => {
      try {
        done(null, text === '' ? {} : JSON.parse(text));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
  });
}
