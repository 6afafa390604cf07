const MAX_URL_LENGTH = 2048;

/**
 * Why a webhook URL is refused at create/update time, or null when it is acceptable.
 * Addresses are checked at delivery time, against the address actually connected to.
 */
export function webhookUrlProblem(url: string, allowHttp: boolean): string | null {
  if (url.length > MAX_URL_LENGTH) return `Webhook URL must be at most ${MAX_URL_LENGTH} characters`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'Webhook URL must be a valid absolute URL';
  }
  // The URL parser would quietly percent-encode these; a URL that needs them was mistyped.
  if (/\s/.test(url) || [...url].some((char) => char < ' ' || char === '\x7f'))
    return 'Webhook URL must not contain spaces or control characters';
  if (parsed.protocol !== 'https:' && !(allowHttp && parsed.protocol === 'http:')) {
    return allowHttp ? 'Webhook URL must use http or https' : 'Webhook URL must use https';
  }
  if (parsed.username !== '' || parsed.password !== '') return 'Webhook URL must not contain credentials';
  if (parsed.hostname === '') return 'Webhook URL must have a host';
  return null;
}
