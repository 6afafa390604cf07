import { parseOrThrow } from '../../http/validation';
import { DomainError, type ErrorCode, isDomainError } from '../../shared/errors';
import { type IngestPorts, ingestPoints } from '../ingest/ingestPoints';
import type { VerifiedKey } from '../keys/verifyKey';
import { mqttPoint, mqttPoints } from './schemas';
import { bucketOfSource, type SourceAccessPorts } from './sourceAccess';

export interface PublishPorts extends IngestPorts, SourceAccessPorts {
  /** Counts one publish against the key's rate limit; false once it is over. */
  withinRateLimit: (keyId: string) => Promise<boolean>;
  maxPayloadBytes: number;
}

/** Stored (and acknowledged by the database), or dropped for a reason the device is told on the errors topic. */
export type PublishOutcome = { stored: number } | { invalid: DomainError };

/** What is wrong with the payload itself: acknowledged and dropped, since sending it again cannot help. */
const payloadProblems = new Set<ErrorCode>(['VALIDATION_FAILED', 'MALFORMED_JSON', 'PAYLOAD_TOO_LARGE']);

/**
 * The story of a PUBLISH to dakkio/sources/<id>/points (api.md §14): the key may write, is
 * within its rate limit and reaches the source's bucket; the payload is one point or an
 * array, checked exactly as POST /api/data checks it; the points go through the one ingest
 * pipeline and are acknowledged by the database before this resolves. Refusals and database
 * failures throw (the connection is closed without PUBACK, so the device sends again).
 */
export async function publishPoints(key: VerifiedKey, sourceId: string, payload: Buffer, ports: PublishPorts): Promise<PublishOutcome> {
  if (!key.scopes.includes('data:write')) throw new DomainError('FORBIDDEN', 'Only Admin and Write keys can ingest data');
  if (!(await ports.withinRateLimit(key.id))) throw new DomainError('RATE_LIMITED');
  const bucket = await bucketOfSource(key, sourceId, ports);
  try {
    const { points, inArray } = parsePayload(payload, ports.maxPayloadBytes);
    const stored = await ingestPoints(
      {
        bucket,
        inputs: points.map((point) => ({ ...point, dataSourceId: sourceId })),
        pathOf: (index) => (inArray ? ['payload', index] : ['payload']),
        unknownSource: 'not-found',
        transport: 'mqtt',
      },
      (written) => written.length,
      ports,
    );
    return { stored };
  } catch (error) {
    if (isDomainError(error) && payloadProblems.has(error.code)) return { invalid: error };
    throw error;
  }
}

function parsePayload(payload: Buffer, maxBytes: number) {
  if (payload.length > maxBytes) throw new DomainError('PAYLOAD_TOO_LARGE', `Payload exceeds the limit of ${maxBytes} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new DomainError('MALFORMED_JSON');
  }
  if (Array.isArray(parsed)) return { points: parseOrThrow('payload', mqttPoints, parsed) ?? [], inArray: true };
  const point = parseOrThrow('payload', mqttPoint, parsed);
  return { points: point ? [point] : [], inArray: false };
}
