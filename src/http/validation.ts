import type { z } from 'zod';
import { DomainError, type ValidationIssue } from '../shared/errors';

type Location = 'params' | 'query' | 'body';

/** Every problem, not only the first; unknown keys are reported one path each. */
function toIssues(location: Location, error: z.ZodError): ValidationIssue[] {
  return error.issues.flatMap((issue): ValidationIssue[] => {
    const path = [location, ...issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part))];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key], message: `Unknown field "${key}"` }));
    }
    return [{ path, message: issue.message }];
  });
}

export function parseOrThrow<S extends z.ZodType>(
  location: Location,
  schema: S | undefined,
  input: unknown,
): z.output<S> | undefined {
  if (!schema) return undefined;
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  if (location === 'params') {
    // A malformed ID in the path has one documented answer: "Invalid <thing> ID format".
    throw new DomainError('INVALID_ID', result.error.issues[0]?.message);
  }
  throw new DomainError('VALIDATION_FAILED', undefined, toIssues(location, result.error));
}
