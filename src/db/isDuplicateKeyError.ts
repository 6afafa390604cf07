/** E11000 from a unique index (real MongoDB only: the embedded fallback never raises it). */
export const isDuplicateKeyError = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
