import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import { claimKey, completeClaim, releaseClaim } from './claim';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** 96 bits of a SHA-256: collisions are not a practical concern at any ingest volume. */
const objectIdFrom = (text: string) => new Types.ObjectId(sha256(text).slice(0, 24));

export const hashRequest = (request: unknown): string => sha256(JSON.stringify(request));

type WithId<D> = D & { _id: Types.ObjectId };

/** Where the documents go: an acknowledged write, and a presence check by _id. */
export interface DocumentWriter<D> {
  write: (documents: WithId<D>[]) => Promise<void>;
  storedAmong: (ids: Types.ObjectId[]) => Promise<Set<string>>;
}

export interface IdempotentWrite<D, T> {
  scope: string;
  key: string;
  /** Of the validated request: a retry must send the same one. */
  requestHash: string;
  documents: D[];
  writer: DocumentWriter<D>;
  respond: (written: WithId<D>[]) => T;
}

/** `written` is null when the response was replayed and nothing was written this time. */
export interface IdempotentOutcome<D, T> {
  response: T;
  written: WithId<D>[] | null;
}

/**
 * Writes the documents at most once per (scope, key) within the window. Their _ids derive
 * from the claim, so a retry after a crash resumes: it writes only the documents that are
 * missing (time-series collections do not enforce _id uniqueness), and a failed write whose
 * documents all landed counts as done.
 */
export async function writeIdempotently<D, T>(request: IdempotentWrite<D, T>): Promise<IdempotentOutcome<D, T>> {
  const recordId = objectIdFrom(`${request.scope}\n${request.key}`);
  const claim = await claimKey(recordId, request.requestHash, new Date());
  if (claim.kind === 'replay') return { response: claim.response as T, written: null };

  // Records from before generations existed keep their original derivation.
  const base = claim.generation ? `${recordId.toHexString()}\n${claim.generation}` : recordId.toHexString();
  // The claim's ids replace any the documents came with, in place: _id keeps its position.
  const documents = request.documents.map((document, n) => ({ ...document, _id: objectIdFrom(`${base}\n${n}`) }));
  const ids = documents.map((document) => document._id);
  try {
    const stored = claim.resuming ? await request.writer.storedAmong(ids) : new Set<string>();
    const missing = documents.filter((document) => !stored.has(document._id.toHexString()));
    if (missing.length > 0)
      await request.writer.write(missing).catch(async (error: unknown) => {
        // The embedded database reports every insert failure as a duplicate key: check presence instead.
        if ((await request.writer.storedAmong(ids)).size !== ids.length) throw error;
      });
  } catch (error) {
    await releaseClaim(recordId);
    throw error;
  }
  const response = request.respond(documents);
  await completeClaim(recordId, response);
  return { response, written: documents };
}
