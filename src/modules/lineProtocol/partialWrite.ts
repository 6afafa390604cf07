import { DomainError } from '../../shared/errors';
import { describeLineError } from './parseLineProtocol';
import type { LineProtocolOutcome } from './writeLineProtocol';

/** InfluxDB reports at most this many bad lines in one answer. */
const maxReported = 100;

/**
 * The refusal InfluxDB clients expect when lines were bad (api.md §12): one `unable to parse
 * '<line>': <reason>` per bad line and `dropped=<n>`, prefixed "partial write:" when other
 * lines were stored (always on 2.x, whose clients read the prefix-less form nowhere).
 */
export function linesRejected(outcome: LineProtocolOutcome, api: 'v1' | 'v2'): DomainError {
  const shown = outcome.rejected.slice(0, maxReported);
  const prefix = api === 'v2' || outcome.stored > 0 ? 'partial write: ' : '';
  const message = `${prefix}${shown.map(describeLineError).join('\n')} dropped=${outcome.rejected.length}`;
  const details = shown.map((error) => ({ path: ['body', error.lineNumber], message: describeLineError(error) }));
  return new DomainError('LINES_REJECTED', message, details);
}
