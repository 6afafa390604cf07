import type { DomainError, ValidationIssue } from '../shared/errors';
import { httpErrorByCode } from './errorMapping';

/** A hostile body can hold thousands of problems; the answer reports the first ones and a count. */
const maxDetails = 100;
const maxSegmentLength = 200;

const shortened = (segment: string | number) =>
  typeof segment === 'string' && segment.length > maxSegmentLength ? `${segment.slice(0, maxSegmentLength)}…` : segment;

function boundedDetails(details: ValidationIssue[] | undefined) {
  if (!details) return {};
  const shown = details
    .slice(0, maxDetails)
    .map((issue) => ({ path: issue.path.map(shortened), message: String(shortened(issue.message)) }));
  return { details: shown, ...(details.length > maxDetails ? { detailsOmitted: details.length - maxDetails } : {}) };
}

/**
 * The documented error shape `{ error, message, details? }` of a domain error, as HTTP
 * answers it and MQTT publishes it on a source's errors topic. 5xx messages are never the
 * thrower's own.
 */
export function publicErrorBody(domainError: DomainError) {
  const mapped = httpErrorByCode[domainError.code];
  const hasOwnMessage = domainError.message !== domainError.code;
  const message = mapped.exposeMessage && hasOwnMessage ? domainError.message : mapped.message;
  return { error: mapped.error, message, ...boundedDetails(domainError.details) };
}
