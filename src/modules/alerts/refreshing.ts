/**
 * A value read at most once per `ttlMs`, shared by concurrent callers. After `invalidate()`
 * the next `get()` reads again, also when a read was already under way as it was called (that
 * read may have missed the change). `read` gets the value as it is when the read completes,
 * to carry over what was learned in the meantime.
 */
export function createRefreshing<T>(ttlMs: number, initial: T, read: (latest: () => T) => Promise<T>) {
  let value = initial;
  let loadedAt = Number.NEGATIVE_INFINITY;
  let generation = 0;
  let loading: Promise<void> | null = null;
  const load = async () => {
    const startedAt = generation;
    value = await read(() => value);
    loadedAt = startedAt === generation ? Date.now() : Number.NEGATIVE_INFINITY;
  };
  return {
    get: async (): Promise<T> => {
      for (let reads = 0; reads < 2 && Date.now() - loadedAt >= ttlMs; reads += 1) {
        loading ??= load().finally(() => (loading = null));
        await loading;
      }
      return value;
    },
    /** The value as last read, without reading. */
    peek: (): T => value,
    invalidate: (): void => {
      loadedAt = Number.NEGATIVE_INFINITY;
      generation += 1;
    },
  };
}
