import proxyAddr from 'proxy-addr';
import { z } from 'zod';

/** Express's `trust proxy` forms that do not trust a client-chosen address. */
export type TrustProxy = false | number | string[];

const refusal =
  'TRUST_PROXY=true would trust the leftmost X-Forwarded-For, which any client can set; ' +
  'give the number of proxies in front of the server (e.g. 1) or their addresses/CIDRs (e.g. 10.0.0.0/8, loopback)';

const parseList = (value: string): string[] =>
  value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);

/**
 * `false`; a hop count (the client is the address that many proxies back); or the proxies'
 * addresses, CIDRs or the names loopback, linklocal, uniquelocal, checked with the same
 * library Express uses so a typo fails at start, not at the first request.
 */
export const trustProxySetting = z.string().transform((value, ctx): TrustProxy => {
  const text = value.trim().toLowerCase();
  if (text === 'false' || text === '0') return false;
  if (text === 'true') {
    ctx.addIssue({ code: 'custom', message: refusal });
    return z.NEVER;
  }
  if (/^\d+$/.test(text)) return Number(text);
  const list = parseList(value);
  try {
    proxyAddr.compile(list);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not a hop count or a list of addresses/CIDRs: ${(error as Error).message}` });
    return z.NEVER;
  }
  return list;
});
