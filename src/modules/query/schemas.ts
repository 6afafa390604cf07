import { z } from 'zod';
import { isoDateTime, objectIdString } from '../../shared/schemas';
import { metadataField } from '../ingest/schemas';

export const aggregations = ['avg', 'min', 'max', 'sum', 'count', 'first', 'last'] as const;
export type Aggregation = (typeof aggregations)[number];
export const intervals = ['minute', 'hour', 'day', 'week', 'month'] as const;
export type Interval = (typeof intervals)[number];

const time = isoDateTime.transform((value) => new Date(value));
const fieldName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'Not a valid field name');

const filters = z.strictObject({
  startTime: time.optional(),
  endTime: time.optional(),
  limit: z.number().int().min(1).max(10_000).default(1000),
  offset: z.number().int().min(0).default(0),
  order: z.enum(['asc', 'desc']).default('asc'),
  fields: z.array(fieldName).min(1).max(100).optional(),
  metadata: metadataField.optional(),
  aggregation: z.enum(aggregations).optional(),
  groupBy: z.enum(intervals).optional(),
});

export const queryBody = z
  .strictObject({
    bucketId: objectIdString,
    dataSourceId: objectIdString.optional(),
    dataSourceIds: z.array(objectIdString).min(1).max(100).optional(),
    filters: filters.default(() => filters.parse({})),
    aggregation: z.enum(aggregations).optional(),
    groupBy: z.enum(intervals).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.dataSourceId && body.dataSourceIds) {
      ctx.addIssue({ code: 'custom', path: ['dataSourceIds'], message: 'Give dataSourceId or dataSourceIds, not both' });
    }
    const { startTime, endTime } = body.filters;
    if (startTime && endTime && startTime >= endTime) {
      ctx.addIssue({ code: 'custom', path: ['filters', 'endTime'], message: 'endTime must be after startTime' });
    }
    for (const option of ['aggregation', 'groupBy'] as const) {
      if (body[option] && body.filters[option] && body[option] !== body.filters[option]) {
        ctx.addIssue({ code: 'custom', path: ['filters', option], message: `Conflicts with the top-level ${option}` });
      }
    }
  });
export type QueryBody = z.output<typeof queryBody>;

const fieldValue = z.union([z.number(), z.string(), z.boolean()]);
export const queryOut = z.object({
  data: z.array(
    z.object({
      _id: z.string().optional(),
      dataSourceId: z.string(),
      timestamp: z.string(),
      values: z.record(z.string(), fieldValue),
      metadata: z.record(z.string(), fieldValue).optional(),
      count: z.number().optional(),
    }),
  ),
  metadata: z.object({
    count: z.number(),
    total: z.number(),
    hasMore: z.boolean(),
    aggregation: z.enum(aggregations).optional(),
    groupBy: z.enum(intervals).optional(),
    downsamplingApplied: z.boolean(),
  }),
});
