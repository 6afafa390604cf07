import dns from 'node:dns';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebhookSender, type WebhookSender } from '../src/modules/webhooks/sendWebhook';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let port: number;
let connections = 0;
const received: Received[] = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = new URL(request.url ?? '/', 'http://receiver').pathname;
      received.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      if (path === '/silent') return;
      if (path === '/fail') return void response.writeHead(500).end('boom');
      if (path === '/redirect') return void response.writeHead(302, { location: `http://127.0.0.1:${port}/elsewhere` }).end();
      if (path.startsWith('/retry-after/')) {
        return void response.writeHead(503, { 'retry-after': decodeURIComponent(path.slice('/retry-after/'.length)) }).end();
      }
      if (path === '/huge') return void response.writeHead(200).end(Buffer.alloc(1024 * 1024, 'x'));
      response.writeHead(path === '/created' ? 201 : 204).end();
    });
  });
  server.on('connection', () => connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

beforeEach(() => {
  received.length = 0;
  connections = 0;
});

const local = createWebhookSender({ allowedIps: ['127.0.0.1', '::1'] });
const post = (sender: WebhookSender, url: string, timeoutMs = 1000) => sender({ url, headers: {}, body: '{}', timeoutMs });
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('webhook sender', () => {
  it("POSTs the exact body and the caller's headers, with a content-length", async () => {
    const body = '{"type":"alert.test","data":{"unit":"°C"}}';
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'dakkio-webhooks/0.1.0',
      'webhook-id': 'msg_1',
      'webhook-timestamp': '1700000000',
      'webhook-signature': 'v1,abc=',
    };
    const outcome = await local({ url: `http://127.0.0.1:${port}/created?x=1`, headers, body, timeoutMs: 1000 });
    expect(outcome).toEqual({ statusCode: 201, durationMs: expect.any(Number), error: null, retryAfterSeconds: null });
    expect(received).toEqual([{ method: 'POST', url: '/created?x=1', headers: expect.objectContaining(headers), body }]);
    expect(received[0]?.headers['content-length']).toBe(String(Buffer.byteLength(body)));
  });

  it('reports a non-2xx status as a failed attempt', async () => {
    expect(await post(local, `http://127.0.0.1:${port}/fail`)).toMatchObject({ statusCode: 500, error: 'HTTP 500' });
  });

  it('gives up on a receiver that never answers when the timeout ends', async () => {
    const outcome = await post(local, `http://127.0.0.1:${port}/silent`, 300);
    expect(outcome).toMatchObject({ statusCode: null, error: 'Timed out after 300 ms' });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(295);
    expect(outcome.durationMs).toBeLessThan(600);
  });

  it('does not follow redirects', async () => {
    expect(await post(local, `http://127.0.0.1:${port}/redirect`)).toMatchObject({
      statusCode: 302,
      error: 'Redirect not followed (HTTP 302)',
    });
    await settle();
    expect(received.map((request) => request.url)).toEqual(['/redirect']);
  });

  it.each([
    ['delta seconds', '7', 7, 7],
    ['an HTTP-date', new Date(Date.now() + 120_000).toUTCString(), 118, 120],
    ['a past HTTP-date', new Date(Date.now() - 60_000).toUTCString(), 0, 0],
    ['more than a day', '999999', 86_400, 86_400],
    ['nonsense', 'soon', null, null],
  ])('reads Retry-After given as %s', async (_name, value, least, most) => {
    const { statusCode, retryAfterSeconds } = await post(local, `http://127.0.0.1:${port}/retry-after/${encodeURIComponent(value)}`);
    expect(statusCode).toBe(503);
    if (least === null) expect(retryAfterSeconds).toBeNull();
    else {
      expect(retryAfterSeconds).toBeGreaterThanOrEqual(least);
      expect(retryAfterSeconds).toBeLessThanOrEqual(most + 1);
    }
  });

  it('is not held up by a 1 MB response, and keeps using its connection', async () => {
    expect(await post(local, `http://127.0.0.1:${port}/huge`)).toMatchObject({ statusCode: 200, error: null });
    expect(await post(local, `http://127.0.0.1:${port}/`)).toMatchObject({ statusCode: 204, error: null });
  });

  it('reuses one keep-alive connection for consecutive deliveries', async () => {
    const sender = createWebhookSender({ allowedIps: ['127.0.0.1'] });
    for (let i = 0; i < 5; i++) expect((await post(sender, `http://127.0.0.1:${port}/`)).statusCode).toBe(204);
    expect(connections).toBe(1);
  });

  it('reports a closed port and a malformed URL as outcomes', async () => {
    const closed = http.createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const closedPort = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    expect(await post(local, `http://127.0.0.1:${closedPort}/`)).toMatchObject({ statusCode: null, error: 'Connection refused' });
    expect(await post(local, 'not a url')).toMatchObject({ statusCode: null, error: 'Invalid URL' });
    expect(await post(local, 'ftp://127.0.0.1/')).toMatchObject({ statusCode: null, error: 'Unsupported protocol ftp:' });
  });
});

describe('webhook sender address filtering', () => {
  const strict = createWebhookSender({ allowedIps: [] });

  it.each([
    ['loopback', () => `http://127.0.0.1:${port}/`],
    ['a name for loopback', () => `http://localhost:${port}/`],
    ['IPv6 loopback', () => `http://[::1]:${port}/`],
    ['IPv4-mapped IPv6 loopback', () => `http://[::ffff:127.0.0.1]:${port}/`],
    ['the unspecified address', () => `http://0.0.0.0:${port}/`],
    ['loopback as a decimal number', () => `http://2130706433:${port}/`],
    ['loopback in hex shorthand', () => `http://0x7f.1:${port}/`],
    ['loopback in octal', () => `http://0177.0.0.1:${port}/`],
    ['a private address', () => `http://10.0.0.1:${port}/`],
    ['the cloud metadata address', () => 'http://169.254.169.254/'],
    ['a unique-local IPv6 address', () => 'http://[fd00::1]/'],
    ['a multicast address', () => 'http://224.0.0.1/'],
  ])('refuses %s before connecting', async (_name, url) => {
    const outcome = await post(strict, url());
    expect(outcome).toMatchObject({ statusCode: null, error: expect.stringMatching(/^Refused: \S+ (is|resolves to)/) });
    await settle();
    expect(connections).toBe(0);
  });

  it('names the host but not the private address it resolved to', async () => {
    expect((await post(strict, `http://localhost:${port}/`)).error).toBe(
      'Refused: localhost resolves to a private, loopback or reserved address',
    );
  });

  it('still refuses an IPv4-mapped loopback address when only 127.0.0.1 is allowed', async () => {
    const outcome = await post(createWebhookSender({ allowedIps: ['127.0.0.1'] }), `http://[::ffff:127.0.0.1]:${port}/`);
    expect(outcome.error).toBe('Refused: ::ffff:7f00:1 is a private, loopback or reserved address');
    await settle();
    expect(connections).toBe(0);
  });

  describe('with a host name whose lookup answers 127.0.0.1', () => {
    let lookups = 0;
    const realLookup = dns.lookup;
    beforeEach(() => {
      lookups = 0;
      jest.spyOn(dns, 'lookup').mockImplementation(((hostname: string, options: any, callback: any) => {
        if (hostname !== 'hooks.example') return realLookup(hostname, options, callback);
        lookups++;
        process.nextTick(() => (options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4)));
      }) as typeof dns.lookup);
    });
    afterEach(() => jest.restoreAllMocks());

    it('checks the answer of the one lookup made when connecting, and connects to that address', async () => {
      expect((await post(strict, `http://hooks.example:${port}/`)).error).toBe(
        'Refused: hooks.example resolves to a private, loopback or reserved address',
      );
      expect(lookups).toBe(1);
      expect(connections).toBe(0);
      expect(await post(createWebhookSender({ allowedIps: ['127.0.0.1'] }), `http://hooks.example:${port}/`)).toMatchObject({
        statusCode: 204,
      });
      expect(lookups).toBe(2);
      expect(received[0]?.headers.host).toBe(`hooks.example:${port}`);
    });
  });
});
