import { isIP } from 'node:net';
import { z } from 'zod';

/** `127.0.0.1`, `::1`, `10.0.0.0/8`: an address, or an address with a prefix length that fits its family. */
export function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** WEBHOOK_ALLOWED_IPS: a comma-separated list; empty means none. */
export const ipAllowList = z
  .string()
  .transform((text) =>
    text
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ''),
  )
  .refine((entries) => entries.every(isAddressOrCidr), 'must be comma-separated IP addresses or CIDRs (e.g. 127.0.0.1,::1,10.0.0.0/8)');
