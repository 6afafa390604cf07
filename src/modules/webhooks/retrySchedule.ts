const maxDelayMs = 86_400_000;

/** A delay with ±20 % jitter, so receivers coming back from an outage are not hit all at once. */
export const withJitter = (seconds: number, random: () => number = Math.random): number => seconds * 1000 * (0.8 + 0.4 * random());

/**
 * When attempt `attemptsMade + 1` is due after attempt `attemptsMade` failed: the schedule's
 * next delay, or the receiver's Retry-After when that is longer (capped at a day). Null
 * when the schedule has no attempts left.
 */
export function nextAttemptDelayMs(
  schedule: readonly number[],
  attemptsMade: number,
  retryAfterSeconds: number | null,
  random: () => number = Math.random,
): number | null {
  const seconds = schedule[attemptsMade];
  if (seconds === undefined) return null;
  return Math.min(Math.max(withJitter(seconds, random), (retryAfterSeconds ?? 0) * 1000), maxDelayMs);
}
