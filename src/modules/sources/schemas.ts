import { z } from 'zod';
import { nameField, objectIdParam, timestampsOut } from '../../shared/schemas';
import { fieldTypes, type FieldDefinition } from './model';

// Field names become keys of stored documents: no `$` prefix, no dots, nothing exotic.
export const fieldName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'Field names are 1-64 letters, digits or _, not starting with a digit')
  .refine((name) => !['__proto__', 'constructor', 'prototype'].includes(name), 'Reserved field name');

const fieldDefinition = z.strictObject({
  type: z.enum(fieldTypes),
  unit: z.string().max(32).optional(),
  description: z.string().max(500).optional(),
});

/** Accepts `{ temperature: { type: "number", unit: "°C" } }` and the shorthand `{ temperature: "number" }`. */
export const fieldSchemaInput = z
  .record(fieldName, z.union([z.enum(fieldTypes), fieldDefinition]))
  .refine((fields) => Object.keys(fields).length >= 1, 'Declare at least one field')
  .transform(
    (fields): Record<string, FieldDefinition> =>
      Object.fromEntries(
        Object.entries(fields).map(([name, definition]) => [name, typeof definition === 'string' ? { type: definition } : definition]),
      ),
  );

const sourceType = z.string().trim().min(1).max(50);
const description = z.string().max(1000, 'Must be at most 1000 characters');

export const sourcesParams = z.strictObject({ bucketId: objectIdParam('bucket') });
export const sourceParams = sourcesParams.extend({ sourceId: objectIdParam('data source') });

export const createSourceBody = z.strictObject({
  name: nameField,
  type: sourceType.default('sensor'),
  description: description.default(''),
  schema: fieldSchemaInput,
  downsampling: z.boolean().default(true),
});

export const updateSourceBody = z.strictObject({
  name: nameField.optional(),
  type: sourceType.optional(),
  description: description.optional(),
  schema: fieldSchemaInput.optional(),
  downsampling: z.boolean().optional(),
  status: z.enum(['active', 'inactive']).optional(),
});

export const dataSourceOut = z.object({
  _id: z.string(),
  bucketId: z.string(),
  name: z.string(),
  type: z.string(),
  description: z.string(),
  schema: z.record(z.string(), z.object({ type: z.enum(fieldTypes), unit: z.string().optional(), description: z.string().optional() })),
  downsampling: z.boolean(),
  status: z.enum(['active', 'inactive']),
  ...timestampsOut,
});

export const listSourcesOut = z.object({ dataSources: z.array(dataSourceOut) });
export const sourceOut = z.object({ dataSource: dataSourceOut });
export const sourceMessageOut = z.object({ message: z.string(), dataSource: dataSourceOut });
export const deleteSourceOut = z.object({
  message: z.string(),
  deletedDataSource: z.object({ _id: z.string(), name: z.string() }),
  deletedDataPoints: z.number(),
});
