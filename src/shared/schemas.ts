import { z } from 'zod';
import { objectIdPattern } from './objectId';

// C0/C1 control characters have no business in a display name and break logs and terminals.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const controlCharacters = /[\u0000-\u001f\u007f-\u009f]/;

export const objectIdParam = (label: string) => z.string().regex(objectIdPattern, `Invalid ${label} ID format`);

export const objectIdString = z.string().regex(objectIdPattern, 'Must be a 24-character hex ObjectId');

export const nameField = z
  .string()
  .trim()
  .min(1, 'Must not be empty')
  .max(100, 'Must be at most 100 characters')
  .refine((value) => !controlCharacters.test(value), 'Must not contain control characters');

export const isoDateTime = z.iso.datetime({ offset: true });

export const futureDateTime = isoDateTime
  .transform((value) => new Date(value))
  .refine((date) => date.getTime() > Date.now(), 'Must be in the future');

export const timestampsOut = {
  createdAt: z.string(),
  updatedAt: z.string(),
};

export const paginationQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const paginationOut = z.object({
  limit: z.number(),
  offset: z.number(),
  total: z.number(),
  hasMore: z.boolean(),
});
