import { type LineFieldValue, parseFieldValue } from './fieldValue';
import { parseTimestamp } from './timestamps';

export type { LineFieldValue } from './fieldValue';
export { maxStringBytes } from './fieldValue';
export { type Precision, precisionOf, timestampToMillis } from './timestamps';

/**
 * InfluxDB line protocol (docs/api.md §12), as a pure parser:
 * `measurement[,tagKey=tagValue...] fieldKey=fieldValue[,fieldKey=fieldValue...] [timestamp]`.
 *
 * Each line is read in one left-to-right pass with no regular expression, so a body costs time
 * linear in its length whatever it holds. A bad line becomes a LineError with InfluxDB's reason
 * and never stops the other lines.
 *
 * Escapes: outside string values a character is escaped when the character before it is a
 * backslash (InfluxDB's scanKey rule), and unescaping drops a backslash only before an
 * escapable character, as InfluxDB 1.6.7 stores them (measured by e2e/lineProtocol.e2e.test.ts):
 * measurements and field keys ',' '=' ' ' '"'; tag keys and tag values ',' '=' ' '. Any other
 * backslash is literal.
 *
 * Where this differs from InfluxDB 1.6, deliberately:
 * - Lines are split on '\n' before anything else, so a newline inside a quoted string ends the
 *   line (an "unbalanced quotes" error) and the rest is a line of its own; 1.6 accepted it. A
 *   line number is then always one physical line.
 * - A trailing '\r' is stripped (CRLF bodies are accepted; 1.6 refused them).
 * - `u` integers are accepted (InfluxDB 2 behaviour; 1.6 refused them).
 * - A string value longer than 64 KiB (UTF-8) is refused; a closing quote must be followed by
 *   ',', ' ' or the end of the line.
 */

export interface ParsedLine {
  /** 1-based, counting every physical line of the body (blank and comment lines too). */
  lineNumber: number;
  measurement: string;
  /** Unescaped, in the order written. A null-prototype object, so `__proto__` is an ordinary key. */
  tags: Record<string, string>;
  /** A duplicate field in one line: the last wins. A null-prototype object, like tags. */
  fields: Record<string, LineFieldValue>;
  /** The integer as written (in the request's precision); null when absent. */
  timestamp: bigint | null;
}

/** `line` is the original line text, without its '\r' or '\n'. */
export interface LineError {
  lineNumber: number;
  line: string;
  reason: string;
}

const TAB = 9;
const SPACE = 32;
const HASH = 35;
const COMMA = 44;
const EQUALS = 61;
const BACKSLASH = 92;

const isBlank = (code: number) => code === SPACE || code === TAB;

/** Parses a whole request body; every physical line ends up parsed, in errors, or skipped (blank or comment). */
export function parseLineProtocol(body: string): { lines: ParsedLine[]; errors: LineError[] } {
  const lines: ParsedLine[] = [];
  const errors: LineError[] = [];
  const physicalLines = body.split('\n');
  for (let index = 0; index < physicalLines.length; index++) {
    let line = physicalLines[index]!;
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    const start = skipBlanks(line, 0);
    if (start === line.length || line.charCodeAt(start) === HASH) continue;
    const lineNumber = index + 1;
    const parsed = parseLine(line, start);
    if (typeof parsed === 'string') errors.push({ lineNumber, line, reason: parsed });
    else lines.push({ lineNumber, ...parsed });
  }
  return { lines, errors };
}

/** The InfluxDB error text for a bad line: `unable to parse '<line>': <reason>` (the line without its leading blanks, as InfluxDB quotes it). */
export function describeLineError(error: LineError): string {
  return `unable to parse '${error.line.slice(skipBlanks(error.line, 0))}': ${error.reason}`;
}

function skipBlanks(line: string, from: number): number {
  let i = from;
  while (i < line.length && isBlank(line.charCodeAt(i))) i++;
  return i;
}

const escapedAt = (line: string, i: number) => line.charCodeAt(i - 1) === BACKSLASH;

type LineContent = Omit<ParsedLine, 'lineNumber'>;

/** One non-blank line from its first non-blank character; a string is the reason it is bad. */
function parseLine(line: string, start: number): LineContent | string {
  if (line.charCodeAt(start) === COMMA) return 'missing measurement';
  let i = start + 1;
  while (i < line.length && !(isSectionEnd(line.charCodeAt(i)) && !escapedAt(line, i))) i++;
  if (i >= line.length) return 'missing fields';
  const measurement = unescapeName(line.slice(start, i), measurementEscapes);

  const tags: Record<string, string> = Object.create(null);
  if (line.charCodeAt(i) === COMMA) {
    const end = parseTags(line, i + 1, tags);
    if (typeof end === 'string') return end;
    i = end;
  }

  const fields: Record<string, LineFieldValue> = Object.create(null);
  const fieldsEnd = parseFields(line, skipBlanks(line, i), fields);
  if (typeof fieldsEnd === 'string') return fieldsEnd;

  const timestamp = parseTimestampSection(line, fieldsEnd);
  if (typeof timestamp === 'string') return timestamp;
  return { measurement, tags, fields, timestamp };
}

const isSectionEnd = (code: number) => code === COMMA || code === SPACE;

/** Tags from `from` (just past a ','), into `tags`; returns the index of the ' ' ending them. */
function parseTags(line: string, from: number, tags: Record<string, string>): number | string {
  let i = from;
  for (;;) {
    const keyStart = i;
    const first = line.charCodeAt(i);
    if (i >= line.length || isSectionEnd(first) || first === EQUALS) return 'missing tag key';
    i++;
    while (i < line.length && !(line.charCodeAt(i) === EQUALS && !escapedAt(line, i))) {
      if (isSectionEnd(line.charCodeAt(i)) && !escapedAt(line, i)) return 'missing tag value';
      i++;
    }
    if (i >= line.length) return 'missing tag value';
    const key = unescapeName(line.slice(keyStart, i), tagEscapes);

    const valueStart = ++i;
    if (i >= line.length || isSectionEnd(line.charCodeAt(i))) return 'missing tag value';
    // Like InfluxDB, the first character of a value is taken whatever it is, even an '='.
    i++;
    while (i < line.length && !(isSectionEnd(line.charCodeAt(i)) && !escapedAt(line, i))) {
      if (line.charCodeAt(i) === EQUALS && !escapedAt(line, i)) return 'invalid tag format';
      i++;
    }
    if (i >= line.length) return 'missing fields';
    if (Object.hasOwn(tags, key)) return 'duplicate tags';
    tags[key] = unescapeName(line.slice(valueStart, i), tagEscapes);
    if (line.charCodeAt(i) === SPACE) return i;
    i++;
  }
}

/** Fields from `from` into `fields`; returns the index just past them (the end, or a ' '). */
function parseFields(line: string, from: number, fields: Record<string, LineFieldValue>): number | string {
  let i = from;
  for (;;) {
    if (line.charCodeAt(i) === EQUALS) return 'missing field key';
    const keyStart = i;
    // In a field key a backslash takes the character after it, whatever it is, so `\\,` is an
    // escaped backslash and then a separator (InfluxDB 1.6.7, measured): unlike tags.
    while (i < line.length && line.charCodeAt(i) !== EQUALS) {
      if (line.charCodeAt(i) === BACKSLASH) i++;
      else if (isSectionEnd(line.charCodeAt(i))) return 'invalid field format';
      i++;
    }
    if (i >= line.length) return 'invalid field format';
    const key = unescapeName(line.slice(keyStart, i), fieldKeyEscapes);

    const valueStart = i + 1;
    if (valueStart >= line.length || isSectionEnd(line.charCodeAt(valueStart))) return 'missing field value';
    const value = parseFieldValue(line, valueStart);
    if (!value.ok) return value.reason;
    fields[key] = value.value;
    i = value.end;
    if (i >= line.length || line.charCodeAt(i) === SPACE) return i;
    i++;
  }
}

/** The optional timestamp after the fields; only spaces may follow it. */
function parseTimestampSection(line: string, from: number): bigint | null | string {
  const start = skipBlanks(line, from);
  let end = start;
  while (end < line.length && line.charCodeAt(end) !== SPACE) end++;
  if (end === start) return null;
  const parsed = parseTimestamp(line.slice(start, end));
  if (!parsed.ok) return parsed.reason;
  for (let i = end; i < line.length; i++) if (line.charCodeAt(i) !== SPACE) return 'point is invalid';
  return parsed.timestamp;
}

const measurementEscapes = ',= "';
const tagEscapes = ',= ';
const fieldKeyEscapes = ',= "';

/** Drops each backslash that is followed by one of `escapable`; every other backslash is literal. */
function unescapeName(text: string, escapable: string): string {
  if (!text.includes('\\')) return text;
  let out = '';
  let copied = 0;
  for (let i = 0; i < text.length - 1; i++) {
    if (text.charCodeAt(i) === BACKSLASH && escapable.includes(text[i + 1]!)) {
      out += text.slice(copied, i);
      copied = i + 1;
    }
  }
  return out + text.slice(copied);
}
