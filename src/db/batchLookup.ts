export type BatchLookup<V> = (key: string) => Promise<V | null>;

/**
 * Coalesces the lookups asked for in one turn of the event loop into one `$in` read.
 * Under load that turns N concurrent requests' reads into one round trip. Nothing is
 * cached: every lookup is answered by a read made after it was asked for, so a deleted
 * document is missing from the very next lookup.
 */
export function createBatchLookup<V>(fetchMany: (keys: string[]) => Promise<Map<string, V>>, maxBatch = 1000): BatchLookup<V> {
  let waiting = new Map<string, { resolve: (value: V | null) => void; reject: (error: unknown) => void }[]>();
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    const batch = waiting;
    waiting = new Map();
    if (batch.size === 0) return;
    fetchMany([...batch.keys()]).then(
      (found) => {
        for (const [key, callers] of batch) for (const caller of callers) caller.resolve(found.get(key) ?? null);
      },
      (error: unknown) => {
        for (const callers of batch.values()) for (const caller of callers) caller.reject(error);
      },
    );
  };

  return (key) =>
    new Promise((resolve, reject) => {
      const callers = waiting.get(key) ?? [];
      callers.push({ resolve, reject });
      waiting.set(key, callers);
      if (waiting.size >= maxBatch) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(() => scheduled && flush());
      }
    });
}
