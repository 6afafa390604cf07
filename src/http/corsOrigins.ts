import { z } from 'zod';

/**
 * CORS_ORIGINS: `*`, or a comma-separated list of origins (`scheme://host[:port]`, as a
 * browser sends them in `Origin`). Anything else is refused at start rather than matched
 * never: a trailing slash or a path would otherwise silently disable CORS for that origin.
 */
export const corsOrigins = z.string().transform((text, ctx): '*' | string[] => {
  if (text.trim() === '*') return '*';
  const origins = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {}
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin) {
      ctx.addIssue({
        code: 'custom',
        message: `'${origin}' is not an origin like https://dash.example.com (scheme, host, optional port; no path)`,
      });
    }
  }
  if (origins.length === 0) ctx.addIssue({ code: 'custom', message: "must be '*' or a comma-separated list of origins" });
  return origins;
});
