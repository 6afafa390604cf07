import type { FieldValue } from '../points/model';
import type { FieldType } from '../sources/model';
import { metadataRules } from '../ingest/schemas';
import type { LineFieldValue } from './fieldValue';
import type { ParsedLine } from './parseLineProtocol';
import { type Precision, timestampToMillis } from './timestamps';

/** A parsed line in dakkio's terms, not yet checked against its data source. */
export interface LineCandidate {
  /** Its fields' line-protocol types say their dakkio types (dakkioType); its tags are the metadata. */
  line: ParsedLine;
  values: Record<string, FieldValue>;
  /** Absent: the time of the request. */
  timestamp?: Date;
}

const maxFutureMs = 60 * 60 * 1000;
const maxSafe = BigInt(Number.MAX_SAFE_INTEGER);
/** Would not survive as keys of plain objects; no data source field may have them either. */
const reservedNames = new Set(['__proto__', 'constructor', 'prototype']);

export const dakkioType = (type: LineFieldValue['type']): FieldType =>
  type === 'boolean' ? 'boolean' : type === 'string' ? 'string' : 'number';

function timeOf(timestamp: bigint | null, precision: Precision, now: Date): Date | undefined | string {
  if (timestamp === null) return undefined;
  const ms = timestampToMillis(timestamp, precision);
  if (ms === null) return 'time outside range';
  if (ms < 0) return 'timestamp before 1970-01-01T00:00:00Z: dakkio stores no earlier points';
  if (ms > now.getTime() + maxFutureMs) return 'timestamp more than 1 hour in the future';
  return new Date(ms);
}

/** Tags become metadata under the rules of POST /api/data's `metadata`; reserved keys are refused (zod's records would skip them). */
function tagProblem(tags: Record<string, string>): string | null {
  let count = 0;
  for (const key in tags) {
    count += 1;
    if (reservedNames.has(key)) return `tag key "${key}" is reserved`;
    if (!metadataRules.keyPattern.test(key))
      return `tag key "${key}" is not a metadata key (1-64 letters, digits, _ or -, starting with a letter or _)`;
    if ((tags[key] as string).length > metadataRules.maxTextLength)
      return `tag "${key}": values are at most ${metadataRules.maxTextLength} characters`;
  }
  return count > metadataRules.maxKeys ? `tags: at most ${metadataRules.maxKeys} metadata keys` : null;
}

/**
 * A parsed line as dakkio would store it, or the reason it cannot be: integers beyond
 * ±(2^53−1) (a double cannot hold them exactly), a time outside what POST /api/data takes,
 * or tags that are not valid metadata.
 */
export function candidateOf(line: ParsedLine, precision: Precision, now: Date): LineCandidate | string {
  const timestamp = timeOf(line.timestamp, precision, now);
  if (typeof timestamp === 'string') return timestamp;
  const problem = tagProblem(line.tags);
  if (problem) return problem;
  const values: Record<string, FieldValue> = {};
  for (const name in line.fields) {
    if (reservedNames.has(name)) return `field name "${name}" is reserved`;
    const field = line.fields[name] as LineFieldValue;
    if (typeof field.value === 'bigint') {
      if (field.value > maxSafe || field.value < -maxSafe)
        return `value of field "${name}" is beyond ±(2^53−1), which dakkio cannot store exactly`;
      values[name] = Number(field.value);
    } else {
      values[name] = field.value;
    }
  }
  return { line, values, timestamp };
}
