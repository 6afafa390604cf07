import { z } from 'zod';
import { objectIdPattern } from '../../shared/objectId';

/** Enough to name every source a bucket may have (MAX_SOURCES_PER_BUCKET is at most a few hundred). */
const maxSourcesPerStream = 500;

export const streamQuery = z.strictObject({
  dataSourceIds: z
    .string()
    .transform((text) => [...new Set(text.split(',').map((id) => id.trim().toLowerCase()))])
    .refine((ids) => ids.length <= maxSourcesPerStream, `At most ${maxSourcesPerStream} data sources per stream`)
    .refine((ids) => ids.every((id) => objectIdPattern.test(id)), 'Must be comma-separated 24-character hex ObjectIds')
    .optional()
    .describe('Comma-separated data source ids; all of the bucket’s sources when omitted'),
});

export const streamHeaders = z.object({
  'last-event-id': z.string().max(200).optional().describe('The id of the last event received; replays what came after'),
});

/** The handler writes the events itself; the OpenAPI document describes them as text/event-stream. */
export const streamEvents = z.undefined();

export const streamEventsDescription =
  'Server-Sent Events: `event: point` with `id: <cursor>` and `data: {_id, dataSourceId, timestamp, values, metadata, bucketId}`; `event: reset` when missed points cannot be replayed; a comment line every 15 s';
