import { DomainError } from '../shared/errors';

/** MongoDB's answer when maxTimeMS ran out on the server. */
const maxTimeExpiredCode = 50;

const tooSlow = (maxTimeMS: number) =>
  new DomainError(
    'QUERY_TOO_EXPENSIVE',
    `The query ran longer than ${maxTimeMS} ms: narrow the time range, name fewer data sources, or aggregate with a larger groupBy`,
  );

/**
 * Bounds a request-driven database operation. `run` passes `maxTimeMS` to the server, which
 * stops the work on MongoDB; the timer here also answers when the server ignores it (the
 * embedded database does), so the caller learns within the limit either way.
 */
export async function withinQueryTime<T>(maxTimeMS: number, run: (maxTimeMS: number) => Promise<T>, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const operation = run(maxTimeMS);
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(tooSlow(maxTimeMS));
    }, maxTimeMS + 50);
  });
  try {
    return await Promise.race([operation, expired]);
  } catch (error) {
    if ((error as { code?: unknown }).code === maxTimeExpiredCode) throw tooSlow(maxTimeMS);
    throw error;
  } finally {
    clearTimeout(timer);
    operation.catch(() => undefined);
  }
}
