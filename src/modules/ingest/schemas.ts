import { z } from 'zod';
import { isoDateTime, objectIdString } from '../../shared/schemas';

const maxFutureMs = 60 * 60 * 1000;
/** The rules of a point's metadata, which line-protocol tags follow too (checked there without zod, per line). */
export const metadataRules = { keyPattern: /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, maxKeys: 32, maxTextLength: 256 } as const;
const safeKey = z
  .string()
  .regex(metadataRules.keyPattern, 'Keys are 1-64 letters, digits, _ or -, starting with a letter or _')
  .refine((key) => !['__proto__', 'constructor', 'prototype'].includes(key), 'Reserved key');
const scalar = z.union([
  z.number().refine(Number.isFinite, 'Must be a finite number'),
  z.string().max(metadataRules.maxTextLength),
  z.boolean(),
]);

export const timestampField = isoDateTime
  .transform((value) => new Date(value))
  .refine((date) => date.getTime() >= 0, 'Timestamp must not be before 1970-01-01T00:00:00Z')
  .refine((date) => date.getTime() <= Date.now() + maxFutureMs, 'Timestamp must not be more than 1 hour in the future');

/** Checked against the data source's schema in the service; here only the shape. */
export const valuesField = z.record(z.string(), z.unknown()).refine((values) => Object.keys(values).length > 0, 'Give at least one value');

export const metadataField = z
  .record(safeKey, scalar)
  .refine((metadata) => Object.keys(metadata).length <= metadataRules.maxKeys, `At most ${metadataRules.maxKeys} metadata keys`);

const pointFields = {
  dataSourceId: objectIdString,
  timestamp: timestampField.optional(),
  values: valuesField,
  metadata: metadataField.optional(),
};

/** 1 to 1000 points: a batch body's `dataPoints`, or an MQTT payload's array. */
export const pointsArray = <T extends z.ZodType>(point: T) =>
  z.array(point).min(1, 'Give at least one point').max(1000, 'At most 1000 points per batch');

export const ingestPointBody = z.strictObject({ bucketId: objectIdString, ...pointFields });
export const ingestBatchBody = z.strictObject({ bucketId: objectIdString, dataPoints: pointsArray(z.strictObject(pointFields)) });
/** A point whose bucket and data source are named elsewhere (the MQTT topic). */
export const sourcePointFields = z.strictObject({ timestamp: pointFields.timestamp, values: valuesField, metadata: pointFields.metadata });

export const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'Idempotency-Key must be 1-255 visible ASCII characters')
    .optional()
    .describe('A retry with the same key within 24 h returns the first response and stores nothing twice'),
});

const fieldValueOut = z.union([z.number(), z.string(), z.boolean()]);
export const dataPointOut = z.object({
  _id: z.string(),
  bucketId: z.string(),
  dataSourceId: z.string(),
  timestamp: z.string(),
  values: z.record(z.string(), fieldValueOut),
  metadata: z.record(z.string(), fieldValueOut),
  createdAt: z.string(),
});
export const ingestPointOut = z.object({ message: z.string(), dataPoint: dataPointOut });
export const ingestBatchOut = z.object({ message: z.string(), inserted: z.number() });
