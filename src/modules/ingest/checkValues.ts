import type { ValidationIssue } from '../../shared/errors';
import type { FieldDefinition } from '../sources/model';
import type { FieldValue } from '../points/model';

/**
 * Numbers beyond this could make a sum or average overflow to Infinity inside the database,
 * which JSON cannot carry; no sensor reading comes near it.
 */
export const maxMagnitude = 1e300;

const matchesType = (value: unknown, definition: FieldDefinition): boolean => {
  switch (definition.type) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'string':
      return typeof value === 'string' && value.length <= 1024;
    case 'boolean':
      return typeof value === 'boolean';
  }
};

const noIssues: readonly ValidationIssue[] = Object.freeze([]);

/**
 * Checks a point's values against its data source's field schema: every field must be
 * declared and of the declared type; a subset of the fields is fine. Returns the issues
 * (paths under `pathPrefix()`), empty when the values are good. Runs once per point on the
 * ingest path, so a good point allocates nothing here: not even its path.
 */
export function checkValues(
  values: Record<string, unknown>,
  schema: Record<string, FieldDefinition>,
  pathPrefix: () => (string | number)[],
): readonly ValidationIssue[] {
  let issues: ValidationIssue[] | undefined;
  const report = (field: string, message: string) => {
    issues ??= [];
    issues.push({ path: [...pathPrefix(), field], message });
  };
  for (const field in values) {
    if (!Object.hasOwn(values, field)) continue;
    const value = values[field];
    const definition = Object.hasOwn(schema, field) ? schema[field] : undefined;
    if (!definition) report(field, `Unknown field "${field}" for this data source`);
    else if (!matchesType(value, definition)) {
      report(field, `Expected ${definition.type === 'number' ? 'a finite number' : `a ${definition.type}`}`);
    } else if (typeof value === 'number' && Math.abs(value) > maxMagnitude) report(field, 'Must be between -1e300 and 1e300');
  }
  return issues ?? noIssues;
}

export const asFieldValues = (values: Record<string, unknown>) => values as Record<string, FieldValue>;
