import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Header and body paths that may carry a key are censored as a second line of defence;
 * the first is that no code logs a request's headers or a key document at all.
 */
const redactedPaths = [
  'key',
  'keyHash',
  'lookupHash',
  'apiKey',
  '*.key',
  '*.keyHash',
  '*.lookupHash',
  'req.headers["x-api-key"]',
  'req.headers.authorization',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: undefined, redact: { paths: redactedPaths, censor: '[redacted]' } }, destination);
}
