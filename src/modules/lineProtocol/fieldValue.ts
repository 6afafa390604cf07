import { boundedInteger, int64Max, int64Min, isIntegerText, uint64Max } from './timestamps';

/**
 * One line-protocol field value, read as InfluxDB reads it: a double-quoted string, a
 * boolean, or a number (bare = float, `i` = int64, `u` = uint64). Reasons are InfluxDB's.
 */

export type LineFieldValue =
  | { type: 'float'; value: number }
  | { type: 'integer'; value: bigint }
  | { type: 'unsigned'; value: bigint }
  | { type: 'boolean'; value: boolean }
  | { type: 'string'; value: string };

/** `end` is the index just past the value: the end of the line, a ',' or a ' '. */
export type FieldValueParse = { ok: true; value: LineFieldValue; end: number } | { ok: false; reason: string };

/** The longest string field value, in UTF-8 bytes (InfluxDB documents 64 KiB). */
export const maxStringBytes = 65_536;

const SPACE = 32;
const QUOTE = 34;
const COMMA = 44;
const BACKSLASH = 92;

const booleans = new Map<string, boolean>([
  ['t', true],
  ['T', true],
  ['true', true],
  ['True', true],
  ['TRUE', true],
  ['f', false],
  ['F', false],
  ['false', false],
  ['False', false],
  ['FALSE', false],
]);

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/** Reads the field value starting at `start` (a character that is not ',' or ' '). */
export function parseFieldValue(line: string, start: number): FieldValueParse {
  if (line.charCodeAt(start) === QUOTE) return parseStringValue(line, start);
  let end = start;
  while (end < line.length && line.charCodeAt(end) !== COMMA && line.charCodeAt(end) !== SPACE) end++;
  const token = line.slice(start, end);
  const value = booleans.has(token[0]!) ? parseBoolean(token) : looksNumeric(token) ? parseNumber(token) : fail('invalid boolean');
  return 'reason' in value ? value : { ok: true, value, end };
}

function parseBoolean(token: string): LineFieldValue | { ok: false; reason: string } {
  const value = booleans.get(token);
  return value === undefined ? fail('invalid boolean') : { type: 'boolean', value };
}

/**
 * InfluxDB sends a value starting with a digit, '.', '-' or 'N'/'n' to its number scanner and
 * anything else that is not t/f/T/F or a quote to its boolean scanner. '+' and 'I'/'i' (Inf)
 * are sent to the number scanner here too, so that `Inf` and `+1` fail as "invalid number".
 */
function looksNumeric(token: string): boolean {
  const code = token.charCodeAt(0);
  return (code >= 48 && code <= 57) || '.-+NnIi'.includes(token[0]!);
}

function parseNumber(token: string): LineFieldValue | { ok: false; reason: string } {
  const suffix = token[token.length - 1];
  if (suffix === 'i' || suffix === 'u') return parseInteger(token.slice(0, -1), suffix);
  if (!isFloatShaped(token)) return fail('invalid number');
  // What passes the scan but is not a float ('1e', '1e5e5', '.e1') or overflows (1e400).
  const value = Number(token);
  return Number.isFinite(value) ? { type: 'float', value } : fail('invalid float');
}

function parseInteger(digits: string, suffix: 'i' | 'u'): LineFieldValue | { ok: false; reason: string } {
  if (!isIntegerText(digits) || (suffix === 'u' && digits[0] === '-')) return fail('invalid number');
  if (suffix === 'i') {
    const value = boundedInteger(digits, int64Min, int64Max);
    if (value === null) return fail(`unable to parse integer ${digits}: strconv.ParseInt: parsing "${digits}": value out of range`);
    return { type: 'integer', value };
  }
  const value = boundedInteger(digits, 0n, uint64Max);
  if (value === null) return fail(`unable to parse unsigned ${digits}: strconv.ParseUint: parsing "${digits}": value out of range`);
  return { type: 'unsigned', value };
}

/**
 * InfluxDB's scanNumber for floats: an optional leading '-', then digits, at most one '.',
 * 'e'/'E' anywhere but first, '+'/'-' only right after an 'e'/'E', and at least one character
 * that is not the sign or the point. Whether the result is a float is decided afterwards.
 */
function isFloatShaped(token: string): boolean {
  const first = token[0] === '-' ? 1 : 0;
  let points = 0;
  for (let i = first; i < token.length; i++) {
    const char = token[i]!;
    if (char === '.') points++;
    else if ((char === 'e' || char === 'E') && i > 0) continue;
    else if ((char === '+' || char === '-') && (token[i - 1] === 'e' || token[i - 1] === 'E')) continue;
    else if (char < '0' || char > '9') return false;
  }
  return points <= 1 && token.length - first - points > 0;
}

/**
 * A double-quoted string. Inside it a backslash takes the next character with it (so `\"`
 * never closes the string); only `\"` and `\\` are unescaped, any other backslash stays.
 */
function parseStringValue(line: string, start: number): FieldValueParse {
  const parts: string[] = [];
  let copied = start + 1;
  let i = start + 1;
  while (i < line.length) {
    const code = line.charCodeAt(i);
    if (code === QUOTE) break;
    if (code === BACKSLASH && i + 1 < line.length) {
      const next = line.charCodeAt(i + 1);
      if (next === QUOTE || next === BACKSLASH) {
        parts.push(line.slice(copied, i));
        copied = i + 1;
      }
      i += 2;
      continue;
    }
    i++;
  }
  if (i >= line.length) return fail('unbalanced quotes');
  parts.push(line.slice(copied, i));
  const end = i + 1;
  // Stricter than InfluxDB, which keeps `"a"b` as the string `a"b`.
  if (end < line.length && line.charCodeAt(end) !== COMMA && line.charCodeAt(end) !== SPACE) return fail('invalid field format');
  const value = parts.join('');
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > maxStringBytes) return fail(`max string length exceeded: ${bytes} > ${maxStringBytes}`);
  return { ok: true, value: { type: 'string', value }, end };
}
