import { BucketModel } from '../../src/modules/buckets/model';
import { ApiKeyModel } from '../../src/modules/keys/model';
import { DataPointModel } from '../../src/modules/points/model';
import { DataSourceModel } from '../../src/modules/sources/model';
import type { TestApp } from './testApp';

/**
 * Assertions more than one suite makes about answers (the error envelope of api.md §2,
 * validation details, rate-limit headers, whether a key works) and about the database
 * (nothing written, no 5xx logged).
 */

/** The parts of a supertest response the helpers read. */
export interface Answer {
  status: number;
  headers: Record<string, any>;
  body: any;
}

type Path = (string | number)[];

/** The `error` of each status (api.md §2). */
export const errorNames: Record<number, string> = {
  400: 'Validation Error',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const envelopeFields = ['error', 'message', 'details', 'requestId'];
const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What is wrong with an error answer's envelope `{ error, message, details?, requestId }`:
 * JSON, no other fields, the `error` of its status, a non-empty message, the requestId of
 * the X-Request-Id header, and details (if any) a list of `{ path: [...], message }`.
 * Empty when nothing is.
 */
export function errorEnvelopeProblems(res: Answer): string[] {
  const problems: string[] = [];
  const body = (isPlainObject(res.body) ? res.body : {}) as Record<string, unknown>;
  if (!/^application\/json/.test(String(res.headers['content-type']))) problems.push(`error content-type ${res.headers['content-type']}`);
  const extra = Object.keys(body).filter((key) => !envelopeFields.includes(key));
  if (extra.length > 0) problems.push(`error body has extra fields ${extra.join(', ')}`);
  if (body.error !== errorNames[res.status]) problems.push(`error ${JSON.stringify(body.error)} for status ${res.status}`);
  if (typeof body.message !== 'string' || body.message.length === 0) problems.push('error body without a message');
  if (typeof body.requestId !== 'string' || body.requestId !== res.headers['x-request-id']) {
    problems.push(`requestId ${JSON.stringify(body.requestId)} does not match X-Request-Id ${res.headers['x-request-id']}`);
  }
  if (body.details !== undefined) {
    const wellFormed =
      Array.isArray(body.details) &&
      body.details.every(
        (detail: unknown) =>
          isPlainObject(detail) &&
          Array.isArray(detail.path) &&
          typeof detail.message === 'string' &&
          Object.keys(detail).every((key) => key === 'path' || key === 'message'),
      );
    if (!wellFormed) problems.push(`malformed details ${JSON.stringify(body.details)}`);
  }
  return problems;
}

/** An error answer in the envelope of api.md §2 (see errorEnvelopeProblems). */
export function expectErrorEnvelope(res: Answer): void {
  expect({ status: res.status, body: res.body as unknown, problems: errorEnvelopeProblems(res) }).toMatchObject({ problems: [] });
}

/** `status` with `error` in the §2 envelope; the message, when given, exactly that. Details are allowed. */
export function expectErrorBody(res: Answer, status: number, error: string, message?: string): void {
  expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status, body: { error } });
  expectErrorEnvelope(res);
  if (message !== undefined) expect(res.body.message).toBe(message);
}

/** `status` with exactly `{ error, message, requestId }`; `message` may be an asymmetric matcher. */
export function expectError(res: Answer, status: number, error: string, message: unknown): void {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ error, message, requestId: res.headers['x-request-id'] });
}

export const expectUnauthorized = (res: Answer) => expectError(res, 401, 'Unauthorized', 'Invalid or missing API key');
export const expectNotFound = (res: Answer, message: string) => expectError(res, 404, 'Not Found', message);

const distinctPaths = (details: { path: Path }[]): Path[] =>
  [...new Set(details.map((detail) => JSON.stringify(detail.path)))].sort().map((path) => JSON.parse(path) as Path);

/** 400 "Invalid request parameters" with `details` entries for exactly these paths (one or more each), and no others. */
export function expectValidationError(res: Answer, paths: Path[]): void {
  expectErrorBody(res, 400, 'Validation Error', 'Invalid request parameters');
  const details = res.body.details as unknown;
  expect(Array.isArray(details)).toBe(true);
  for (const detail of details as unknown[]) expect(detail).toEqual({ path: expect.any(Array), message: expect.any(String) });
  const sorted = paths
    .map((path) => JSON.stringify(path))
    .sort()
    .map((path) => JSON.parse(path) as Path);
  expect(distinctPaths(details as { path: Path }[])).toEqual(sorted);
}

/** 400 "Invalid request parameters", exactly `{ error, message, details, requestId }`, with details for at least these paths. */
export function expectValidationErrorAt(res: Answer, ...paths: Path[]): void {
  expect(res.status).toBe(400);
  expect(res.body).toEqual({
    error: 'Validation Error',
    message: 'Invalid request parameters',
    details: expect.any(Array),
    requestId: res.headers['x-request-id'],
  });
  const details = res.body.details as { path: Path; message: unknown }[];
  for (const detail of details) expect(typeof detail.message).toBe('string');
  const got = details.map((detail) => JSON.stringify(detail.path));
  for (const path of paths) expect(got).toContain(JSON.stringify(path));
}

/** X-RateLimit-Limit/Remaining/Reset present, Reset in Unix seconds within one window from now (api.md §7). */
export function expectRateLimitHeaders(res: Answer, windowMs: number): void {
  expect(res.headers['x-ratelimit-limit']).toMatch(/^\d+$/);
  expect(res.headers['x-ratelimit-remaining']).toMatch(/^\d+$/);
  expect(res.headers['x-ratelimit-reset']).toMatch(/^\d+$/);
  const reset = Number(res.headers['x-ratelimit-reset']);
  const nowSeconds = Date.now() / 1000;
  expect(reset).toBeGreaterThanOrEqual(Math.floor(nowSeconds) - 1);
  expect(reset).toBeLessThanOrEqual(Math.ceil(nowSeconds + windowMs / 1000) + 1);
}

/**
 * 429 with `{ error, message: "Rate limit exceeded. Resets at <ISO time>", requestId }`,
 * the reset time agreeing with X-RateLimit-Reset, Retry-After within the window, and no
 * requests remaining.
 */
export function expectRateLimited(res: Answer, windowMs: number): void {
  expectError(res, 429, 'Too Many Requests', expect.stringMatching(/^Rate limit exceeded\. Resets at /));
  const resetsAt = (res.body.message as string).replace('Rate limit exceeded. Resets at ', '');
  expect(new Date(resetsAt).toISOString()).toBe(resetsAt);
  expect(Math.abs(new Date(resetsAt).getTime() / 1000 - Number(res.headers['x-ratelimit-reset']))).toBeLessThanOrEqual(1);
  expect(res.headers['retry-after']).toMatch(/^\d+$/);
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(windowMs / 1000);
  expectRateLimitHeaders(res, windowMs);
  expect(res.headers['x-ratelimit-remaining']).toBe('0');
}

/**
 * A request with the key: an admin key (bucketId null) asks GET /api/buckets; a bucket key
 * asks GET /api/buckets/:bucketId, an admin-only route, so the answer does not depend on
 * the key's scopes: 403 when the key authenticates, 401 when it does not.
 */
const useKey = (app: TestApp, key: string, bucketId: string | null) =>
  app.http.get(bucketId === null ? '/api/buckets' : `/api/buckets/${bucketId}`).set('X-API-Key', key);

/** The key authenticates: 200 for an admin key (bucketId null), 403 from an admin-only route for a bucket key. */
export async function expectKeyWorks(app: TestApp, key: string, bucketId: string | null): Promise<void> {
  const res = await useKey(app, key, bucketId);
  expect(res.status).toBe(bucketId === null ? 200 : 403);
}

/** The key no longer authenticates: 401 with exactly the §1 body. */
export async function expectKeyRejected(app: TestApp, key: string, bucketId: string | null): Promise<void> {
  expectUnauthorized(await useKey(app, key, bucketId));
}

/** Log lines of the app's error handler, which writes one before it answers any 5xx. */
export const serverErrorLines = (app: TestApp, fromLine = 0) =>
  app.logs.slice(fromLine).filter((line) => line.includes('"msg":"request failed"'));

/** Registers an afterEach that fails the test if the app answered any request with a 5xx. */
export function expectNoServerErrorsAfterEach(app: () => TestApp): void {
  afterEach(() => {
    expect(serverErrorLines(app())).toEqual([]);
  });
}

/** How many buckets, keys, data sources and points are stored, in every organization. */
export async function storedCounts() {
  const [buckets, apiKeys, dataSources, dataPoints] = await Promise.all([
    BucketModel.countDocuments({}),
    ApiKeyModel.countDocuments({}),
    DataSourceModel.countDocuments({}),
    DataPointModel.countDocuments({}),
  ]);
  return { buckets, apiKeys, dataSources, dataPoints };
}
