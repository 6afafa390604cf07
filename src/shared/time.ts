export const toIso = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);
