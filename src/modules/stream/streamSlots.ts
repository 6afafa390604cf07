import { DomainError } from '../../shared/errors';

export interface StreamSlots {
  /** Takes a slot for the key or throws TOO_MANY_STREAMS; the returned function gives it back (once). */
  take: (keyId: string) => () => void;
  open: () => number;
}

/** Caps on the streams this process holds open, per key and in total (api.md §10). */
export function createStreamSlots(limits: { perKey: number; total: number }): StreamSlots {
  const byKey = new Map<string, number>();
  let total = 0;
  return {
    take: (keyId) => {
      const ofKey = byKey.get(keyId) ?? 0;
      if (ofKey >= limits.perKey)
        throw new DomainError('TOO_MANY_STREAMS', `Too many open streams for this key (at most ${limits.perKey})`);
      if (total >= limits.total) throw new DomainError('TOO_MANY_STREAMS', 'Too many open streams on this server; try again later');
      byKey.set(keyId, ofKey + 1);
      total += 1;
      let returned = false;
      return () => {
        if (returned) return;
        returned = true;
        total -= 1;
        const left = (byKey.get(keyId) ?? 1) - 1;
        if (left === 0) byKey.delete(keyId);
        else byKey.set(keyId, left);
      };
    },
    open: () => total,
  };
}
