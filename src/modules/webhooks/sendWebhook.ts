import http from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface WebhookOutcome {
  /** null when no response arrived */
  statusCode: number | null;
  durationMs: number;
  /** null on 2xx; otherwise a short reason */
  error: string | null;
  retryAfterSeconds: number | null;
}

export type WebhookSender = (request: WebhookRequest) => Promise<WebhookOutcome>;

const MAX_RESPONSE_BYTES = 64 * 1024;
const MAX_RETRY_AFTER_SECONDS = 86_400;
// Receivers commonly drop idle keep-alive connections after 5 s; closing ours first avoids
// sending on a socket the receiver is closing.
const IDLE_SOCKET_MS = 4_000;

/**
 * POSTs through request-filtering-agent, which refuses private, loopback, link-local,
 * multicast, unspecified and IPv4-mapped addresses, IP literals before connecting and host
 * names in the connect-time lookup, so the address checked is the address connected to.
 * allowedIps (addresses or CIDRs) are let through anyway. Never throws.
 */
export function createWebhookSender(options: { allowedIps: readonly string[] }): WebhookSender {
  const agentOptions = { keepAlive: true, timeout: IDLE_SOCKET_MS, allowIPAddressList: [...options.allowedIps] };
  const httpAgent = new RequestFilteringHttpAgent(agentOptions);
  const httpsAgent = new RequestFilteringHttpsAgent(agentOptions);

  return (request) =>
    new Promise<WebhookOutcome>((resolve) => {
      const startedAt = performance.now();
      let settled = false;
      const settle = (statusCode: number | null, error: string | null, retryAfterSeconds: number | null = null) => {
        if (settled) return;
        settled = true;
        resolve({ statusCode, durationMs: Math.round(performance.now() - startedAt), error, retryAfterSeconds });
      };
      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        settle(null, 'Invalid URL');
        return;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        settle(null, `Unsupported protocol ${url.protocol}`);
        return;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (name.toLowerCase() !== 'content-length') headers[name] = value;
      }
      headers['content-length'] = String(Buffer.byteLength(request.body));

      let outgoing: http.ClientRequest;
      try {
        const target = { ...urlToHttpOptions(url), method: 'POST', headers };
        outgoing =
          url.protocol === 'https:' ? https.request({ ...target, agent: httpsAgent }) : http.request({ ...target, agent: httpAgent });
      } catch (error) {
        settle(null, describeError(error));
        return;
      }
      // One deadline for connect, response and draining the body; it ends the request either way.
      const timer = setTimeout(() => {
        settle(null, `Timed out after ${request.timeoutMs} ms`);
        outgoing.destroy();
      }, request.timeoutMs);
      outgoing.on('error', (error) => {
        clearTimeout(timer);
        settle(null, describeError(error));
      });
      outgoing.on('response', (response) => {
        const status = response.statusCode ?? 0;
        const error =
          status >= 200 && status < 300
            ? null
            : status >= 300 && status < 400
              ? `Redirect not followed (HTTP ${status})`
              : `HTTP ${status}`;
        settle(status, error, parseRetryAfter(response.headers['retry-after']));
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > MAX_RESPONSE_BYTES) response.destroy();
        });
        response.on('error', () => {});
        response.on('close', () => clearTimeout(timer));
      });
      outgoing.end(request.body);
    });
}

/** Retry-After as delta seconds or an HTTP-date, in whole seconds, capped at a day. */
function parseRetryAfter(value: string | undefined): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  const seconds = /^\d+$/.test(text) ? Number(text) : Math.ceil((Date.parse(text) - Date.now()) / 1000);
  if (Number.isNaN(seconds)) return null;
  return Math.min(Math.max(seconds, 0), MAX_RETRY_AFTER_SECONDS);
}

const REFUSED = /^DNS lookup (\S+?)\(family:[^,]*, host:([^)]*)\) is not allowed/;
const REASONS: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset',
  ENOTFOUND: 'Host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'Host unreachable',
  ENETUNREACH: 'Network unreachable',
  ETIMEDOUT: 'Connection timed out',
  EPIPE: 'Connection closed while sending',
};

function describeError(error: unknown): string {
  const { message = '', code = '' } = (error ?? {}) as { message?: string; code?: string };
  const refused = REFUSED.exec(message);
  if (refused) {
    const [, address, host] = refused;
    // Never the address a name resolved to: the delivery log would map the private network for anyone with alerts:write.
    if (host && host !== 'undefined' && host !== address) return `Refused: ${host} resolves to a private, loopback or reserved address`;
    return `Refused: ${address} is a private, loopback or reserved address`;
  }
  if (REASONS[code]) return REASONS[code];
  if (/CERT|TLS|SSL/.test(code)) return `TLS error (${code})`;
  return `Request failed: ${code || message.split('\n')[0]?.slice(0, 200) || 'unknown error'}`;
}
