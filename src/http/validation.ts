import type { z } from 'zod';
import { DomainError, type ValidationIssue } from '../shared/errors';

/** Where the input came from: a part of an HTTP request, or an MQTT message's payload. */
type Location = 'params' | 'query' | 'body' | 'headers' | 'payload';

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

const reservedKeys = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Reserved keys anywhere in a body, with their paths. zod's records silently drop a
 * `__proto__` key, so without this a field named so would vanish instead of being refused.
 */
function reservedKeyIssues(input: unknown, path: (string | number)[], depth = 0): ValidationIssue[] {
  if (typeof input !== 'object' || input === null || depth > 32) return [];
  return Object.keys(input).flatMap((key) => {
    const here = [...path, Array.isArray(input) ? Number(key) : key];
    const own = reservedKeys.has(key) ? [{ path: here, message: `Reserved key "${key}" is not allowed` }] : [];
    return [...own, ...reservedKeyIssues((input as Record<string, unknown>)[key], here, depth + 1)];
  });
}

function mergeByPath(first: ValidationIssue[], second: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set(first.map((issue) => JSON.stringify(issue.path)));
  return [...first, ...second.filter((issue) => !seen.has(JSON.stringify(issue.path)))];
}

/**
 * Whether a raw JSON body could hold a reserved key: the names as written, or any \u escape
 * (which JSON.parse could decode into one). Lets the full walk below be skipped, cheaply,
 * for the bodies that cannot.
 */
export const mayHoldReservedKeys = (raw: Buffer): boolean =>
  raw.includes('__proto__') || raw.includes('constructor') || raw.includes('prototype') || raw.includes('\\u');

export function parseOrThrow<S extends z.ZodType>(
  location: Location,
  schema: S | undefined,
  input: unknown,
  scanForReservedKeys = location === 'body' || location === 'payload',
): z.output<S> | undefined {
  if (!schema) return undefined;
  const result = schema.safeParse(input);
  const reserved = scanForReservedKeys ? reservedKeyIssues(input, [location]) : [];
  if (result.success && reserved.length === 0) return result.data;
  if (!result.success && location === 'params') {
    // A malformed ID in the path has one documented answer: "Invalid <thing> ID format".
    throw new DomainError('INVALID_ID', result.error.issues[0]?.message);
  }
  const schemaIssues = result.success ? [] : toIssues(location, result.error);
  throw new DomainError('VALIDATION_FAILED', undefined, mergeByPath(schemaIssues, reserved));
}
