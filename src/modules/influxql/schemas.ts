import { z } from 'zod';

const epochs = ['ns', 'u', 'µ', 'ms', 's', 'm', 'h'] as const;

/** Other parameters InfluxDB clients send (u, p, rp, pretty, chunked) are passed over, as InfluxDB does. */
export const queryParameters = z.object({
  q: z.string().optional().describe('InfluxQL statements separated by ";" (for POST, also accepted in the form body)'),
  db: z.string().optional().describe('The bucket, by id or name; needed by every statement but SHOW DATABASES'),
  epoch: z.enum(epochs).optional().describe('Times as integers in this unit; RFC 3339 strings without it'),
});

export const queryForm = z.object({ q: z.string().optional() });

const cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const series = z.object({
  name: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  columns: z.array(z.string()),
  values: z.array(z.array(cell)),
});

export const queryResults = z.object({
  results: z.array(z.object({ statement_id: z.number(), series: z.array(series).optional(), error: z.string().optional() })),
});
