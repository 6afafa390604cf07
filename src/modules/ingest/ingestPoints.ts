import type { BatchLookup } from '../../db/batchLookup';
import { DomainError, type ErrorCode, isDomainError } from '../../shared/errors';
import { hashRequest, writeIdempotently } from '../idempotency/writeIdempotently';
import type { DataPointRecord } from '../points/model';
import { storedPointIds } from '../points/pointStore';
import type { SourceSchema } from '../sources/sourceLookup';
import { buildPoints, type PointsToBuild } from './buildPoints';
import type { PointsCommittedBus, Transport } from './pointsCommitted';
import { writeOnce } from './writeOnce';

export interface IngestRequest extends PointsToBuild {
  transport: Transport;
  /** The data sources by hex id, when the transport already read them for this request. */
  sources?: Map<string, SourceSchema>;
  idempotencyKey?: string;
  /** Called when the points are handed to the database: from then on the caller waits for the outcome. */
  onWriteSent?: () => void;
}

/** What the pipeline needs from the running server. */
export interface IngestPorts {
  loadSource: BatchLookup<SourceSchema>;
  /** Group-committed, acknowledged write of points. */
  commitPoints: (points: DataPointRecord[]) => Promise<void>;
  pointsCommitted: PointsCommittedBus;
  /** Told when a request's points are not stored: refused (the input) or failed (the database). */
  pointsNotStored?: (event: { transport: Transport; points: number; failed: boolean }) => void;
}

/** Codes under which the points were fine but the database did not take them (or something broke). */
const storageFailures = new Set<ErrorCode>(['DATABASE_UNAVAILABLE', 'REQUEST_TIMED_OUT', 'INTERNAL']);

async function loadSources(request: IngestRequest, loadSource: IngestPorts['loadSource']): Promise<Map<string, SourceSchema>> {
  const ids = [...new Set(request.inputs.map((input) => input.dataSourceId.toLowerCase()))];
  const found = await Promise.all(ids.map((id) => loadSource(id)));
  return new Map(found.flatMap((source, i) => (source ? [[ids[i]!, source] as const] : [])));
}

/**
 * The one ingest pipeline every transport goes through: load the data sources, check and
 * build the points, write them (at most once per Idempotency-Key), answer, then tell the
 * consumers of committed points (or, when nothing was stored, whoever counts that).
 * `respond` shapes the transport's answer; a replayed request gets the answer stored the
 * first time.
 */
export async function ingestPoints<T>(request: IngestRequest, respond: (points: DataPointRecord[]) => T, ports: IngestPorts): Promise<T> {
  try {
    return await storePoints(request, respond, ports);
  } catch (error) {
    const failed = !isDomainError(error) || storageFailures.has(error.code);
    ports.pointsNotStored?.({ transport: request.transport, points: request.inputs.length, failed });
    throw error;
  }
}

async function storePoints<T>(request: IngestRequest, respond: (points: DataPointRecord[]) => T, ports: IngestPorts): Promise<T> {
  if (request.bucket.deletingAt) throw new DomainError('BUCKET_NOT_FOUND');
  const sources = request.sources ?? (await loadSources(request, ports.loadSource));
  const points = buildPoints(request, sources, new Date());
  const commit = (ready: DataPointRecord[]) => {
    request.onWriteSent?.();
    return ports.commitPoints(ready);
  };
  const { response, written } = request.idempotencyKey
    ? await writeIdempotently({
        scope: request.bucket._id.toHexString(),
        key: request.idempotencyKey,
        requestHash: hashRequest(request.inputs),
        documents: points,
        writer: { write: commit, storedAmong: storedPointIds },
        respond,
      })
    : await writeOnce(points, commit, respond);
  if (written) ports.pointsCommitted.publish({ bucketId: request.bucket._id.toHexString(), transport: request.transport, points: written });
  return response;
}
