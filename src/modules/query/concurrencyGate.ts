import { DomainError } from '../../shared/errors';

export type ConcurrencyGate = <T>(subject: string, work: () => Promise<T>) => Promise<T>;

/**
 * At most `maxPerSubject` pieces of work at once per subject (a key) in this process; one
 * more is refused at once rather than queued, so one key cannot pile up heavy queries.
 */
export function createConcurrencyGate(maxPerSubject: number): ConcurrencyGate {
  const running = new Map<string, number>();
  return async (subject, work) => {
    const current = running.get(subject) ?? 0;
    if (current >= maxPerSubject) {
      throw new DomainError('TOO_MANY_CONCURRENT_QUERIES', `At most ${maxPerSubject} queries at once per key; wait for one to finish`);
    }
    running.set(subject, current + 1);
    try {
      return await work();
    } finally {
      const left = (running.get(subject) ?? 1) - 1;
      if (left === 0) running.delete(subject);
      else running.set(subject, left);
    }
  };
}
