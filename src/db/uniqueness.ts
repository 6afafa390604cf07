import type { Types } from 'mongoose';
import { DomainError, type ErrorCode } from '../shared/errors';
import { isDuplicateKeyError } from './isDuplicateKeyError';

/**
 * Unique indexes are enforced by MongoDB but not by the embedded fallback, so services
 * check for a clash first and also map a unique-index violation to the same error.
 */
export async function assertNoClash(
  model: { exists(filter: Record<string, unknown>): PromiseLike<unknown> },
  filter: Record<string, unknown>,
  code: ErrorCode,
  exceptId?: Types.ObjectId,
): Promise<void> {
  if (await model.exists({ ...filter, ...(exceptId ? { _id: { $ne: exceptId } } : {}) })) throw new DomainError(code);
}

export const rethrowDuplicateAs =
  (code: ErrorCode) =>
  (error: unknown): never => {
    throw isDuplicateKeyError(error) ? new DomainError(code) : error;
  };
