// Every call to the API goes through here: the key in a header, answers as JSON, and failures as
// an ApiError whose message a person can read (api.md §2's `message`), never a raw exception.

export const keyNotAccepted = 'This key was not accepted: check that it was pasted whole and has not been deleted or expired.';
export const serverUnreachable = 'Cannot reach the server: check the address and the connection, then try again.';

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

/** A readable sentence for a non-2xx answer, from the error body's `message` when there is one. */
export async function describeFailure(response) {
  if (response.status === 401) return keyNotAccepted;
  const body = await response.json().catch(() => null);
  if (body && typeof body.message === 'string' && body.message) return body.message;
  return `The server answered ${response.status} ${response.statusText}`.trim();
}

export const isAbort = (error) => error instanceof DOMException && error.name === 'AbortError';

export function createApi(key) {
  async function call(method, path, body, signal) {
    const headers = { 'X-API-Key': key, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        signal,
      });
    } catch (error) {
      if (isAbort(error)) throw error;
      throw new ApiError(serverUnreachable, 0);
    }
    if (!response.ok) throw new ApiError(await describeFailure(response), response.status);
    try {
      return await response.json();
    } catch {
      throw new ApiError('The server sent an answer this page cannot read.', response.status);
    }
  }
  return {
    key,
    get: (path, signal) => call('GET', path, undefined, signal),
    post: (path, body, signal) => call('POST', path, body, signal),
  };
}
