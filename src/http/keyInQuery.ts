import type { Request } from 'express';
import { DomainError } from '../shared/errors';

const keyParameterNames = new Set(['apikey', 'api_key', 'api-key', 'x-api-key', 'key', 'token', 'access_token']);
const keyValue = /dakkio_[awr]_/;

/**
 * Keys travel only in headers (api.md §10): a URL ends up in proxy and browser logs. A
 * query parameter named like a key, or holding something shaped like one, is refused
 * before the key is even looked at. The one exception is `allowed`: the InfluxDB 1.x
 * routes' password parameter `p`, which their clients may send (api.md §12).
 */
export function refuseKeyInQuery(req: Request, allowed?: string): void {
  const queryStart = req.originalUrl.indexOf('?');
  if (queryStart === -1) return;
  for (const [name, value] of new URLSearchParams(req.originalUrl.slice(queryStart + 1))) {
    if (name === allowed) continue;
    if (keyParameterNames.has(name.toLowerCase()) || keyValue.test(value)) {
      throw new DomainError('VALIDATION_FAILED', 'API keys are accepted only in the X-API-Key or Authorization header, never in the URL', [
        { path: ['query', name], message: 'Send the key in the X-API-Key header' },
      ]);
    }
  }
}
