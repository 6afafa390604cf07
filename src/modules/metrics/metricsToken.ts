import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Whether an Authorization header carries `Bearer <token>`. Both sides are hashed first so
 * the comparison takes the same time whatever the length or content of what was sent.
 */
export function presentsMetricsToken(authorization: string | undefined, token: string): boolean {
  const presented = /^bearer +(\S+)$/i.exec(authorization ?? '')?.[1] ?? '';
  return timingSafeEqual(digest(presented), digest(token));
}
