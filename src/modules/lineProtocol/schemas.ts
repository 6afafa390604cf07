import { z } from 'zod';
import { precisionOf } from './timestamps';

const precisionIn = (api: 'v1' | 'v2', accepted: string) =>
  z
    .string()
    .optional()
    .transform((text, context) => {
      const precision = precisionOf(text, api);
      if (precision) return precision;
      context.addIssue({ code: 'custom', message: `invalid precision; valid precision units are ${accepted}` });
      return z.NEVER;
    })
    .describe(`Unit of the lines' timestamps (default ns): ${accepted}`);

const ignored = z.string().optional().describe('Accepted for compatibility and ignored');

/** Other parameters InfluxDB clients send (u, p, consistency) are passed over, as InfluxDB does. */
export const v1WriteQuery = z.object({
  db: z.string().describe('The bucket, by id or name'),
  rp: ignored,
  precision: precisionIn('v1', 'n, ns, u, us, ms, s, m and h'),
});

export const v2WriteQuery = z.object({
  bucket: z.string().describe('The bucket, by id or name'),
  org: ignored,
  orgID: ignored,
  precision: precisionIn('v2', 'ns, us, ms, and s'),
});

export const lineProtocolBody = z.string().describe('InfluxDB line protocol, one point per line; gzip allowed (Content-Encoding)');
export const noContent = z.undefined();
