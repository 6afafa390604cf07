import { parseDurationLiteral } from './durations';

export type TokenKind = 'identifier' | 'keyword' | 'string' | 'number' | 'integer' | 'duration' | 'regex' | 'operator' | 'eof' | 'bad';

export interface Token {
  kind: TokenKind;
  /** Identifiers and strings: the unescaped text; keywords: upper case; operators: the symbol; bad: what InfluxDB would print. */
  text: string;
  /** Offset in the query of the token's first character. */
  start: number;
  end: number;
  /** For `bad`: the whole message instead of "found X, expected Y" (e.g. "invalid duration"). */
  message?: string;
  nanoseconds?: bigint;
}

// InfluxQL's reserved words: written bare, they are keywords, never identifiers.
const keywords = new Set(
  `ALL ALTER ANALYZE AND ANY AS ASC BEGIN BY CARDINALITY CREATE CONTINUOUS DATABASE DATABASES DEFAULT DELETE DESC
  DESTINATIONS DIAGNOSTICS DISTINCT DROP DURATION END EVERY EXACT EXPLAIN FALSE FIELD FOR FROM GRANT GRANTS GROUP GROUPS IN
  INF INSERT INTO KEY KEYS KILL LIMIT MEASUREMENT MEASUREMENTS NAME OFFSET ON OR ORDER PASSWORD POLICIES POLICY PRIVILEGES
  QUERIES QUERY READ REPLICATION RESAMPLE RETENTION REVOKE SELECT SERIES SET SHARD SHOW SHARDS SLIMIT SOFFSET STATS SUBSCRIPTION
  SUBSCRIPTIONS TAG TO TRUE USER USERS VALUES WHERE WITH WRITE`.split(/\s+/),
);

const operators = ['::', '=~', '!~', '!=', '<>', '<=', '>=', '=', '<', '>', '(', ')', ',', ';', '.', '*', '+', '-', '/'];
const isLetter = (ch: string) => /[A-Za-z_]/.test(ch);
const isDigit = (ch: string) => ch >= '0' && ch <= '9';
const isIdentifierChar = (ch: string) => /[A-Za-z0-9_]/.test(ch);
const isDurationUnitChar = (ch: string) => /[a-zµμ]/.test(ch);

/** Reads a '…' or "…" literal starting at `start` (the quote), with InfluxQL's escapes. */
function scanQuoted(q: string, start: number): Token {
  const quote = q[start] as string;
  let text = '';
  for (let i = start + 1; i < q.length; i++) {
    const ch = q[i] as string;
    if (ch === quote) return { kind: quote === "'" ? 'string' : 'identifier', text, start, end: i + 1 };
    if (ch === '\n') break;
    if (ch === '\\') {
      const next = q[i + 1];
      if (next === 'n') text += '\n';
      else if (next === '\\' || next === '"' || next === "'") text += next;
      else return { kind: 'bad', text: `\\${next ?? ''}`, start: i, end: i + 2, message: `bad escape: \\${next ?? ''}` };
      i += 1;
      continue;
    }
    text += ch;
  }
  // InfluxDB reports an unterminated literal one character before its quote.
  return { kind: 'bad', text, start: start - 1, end: q.length };
}

function scanNumber(q: string, start: number): Token {
  let i = start;
  while (i < q.length && isDigit(q[i] as string)) i++;
  if (q[i] === '.' && isDigit(q[i + 1] ?? '')) {
    i++;
    while (i < q.length && isDigit(q[i] as string)) i++;
    return { kind: 'number', text: q.slice(start, i), start, end: i };
  }
  if (i < q.length && isDurationUnitChar(q[i] as string)) {
    while (i < q.length && (isDurationUnitChar(q[i] as string) || isDigit(q[i] as string))) i++;
    const text = q.slice(start, i);
    const nanoseconds = parseDurationLiteral(text);
    if (nanoseconds === null) return { kind: 'bad', text, start, end: i, message: 'invalid duration' };
    return { kind: 'duration', text, start, end: i, nanoseconds };
  }
  return { kind: 'integer', text: q.slice(start, i), start, end: i };
}

/** The token that starts at or after `from` (whitespace skipped). */
export function scanToken(q: string, from: number): Token {
  let start = from;
  while (start < q.length && /\s/.test(q[start] as string)) start++;
  if (start >= q.length) return { kind: 'eof', text: 'EOF', start: q.length + 1, end: q.length };
  const ch = q[start] as string;
  if (isLetter(ch)) {
    let end = start + 1;
    while (end < q.length && isIdentifierChar(q[end] as string)) end++;
    const text = q.slice(start, end);
    const upper = text.toUpperCase();
    return keywords.has(upper) ? { kind: 'keyword', text: upper, start, end } : { kind: 'identifier', text, start, end };
  }
  if (ch === '"' || ch === "'") return scanQuoted(q, start);
  if (isDigit(ch)) return scanNumber(q, start);
  const operator = operators.find((symbol) => q.startsWith(symbol, start));
  if (operator) return { kind: 'operator', text: operator, start, end: start + operator.length };
  return { kind: 'bad', text: ch, start, end: start + 1 };
}

/** A /…/ literal at `from` (after `=~`, `!~`); `\/` stands for a slash, other escapes are the regex's own. */
export function scanRegex(q: string, from: number): Token {
  let start = from;
  while (start < q.length && /\s/.test(q[start] as string)) start++;
  if (q[start] !== '/') return scanToken(q, from);
  let pattern = '';
  for (let i = start + 1; i < q.length; i++) {
    const ch = q[i] as string;
    if (ch === '/') return { kind: 'regex', text: pattern, start, end: i + 1 };
    if (ch === '\\' && q[i + 1] === '/') {
      pattern += '/';
      i += 1;
    } else if (ch === '\\' && i + 1 < q.length) {
      pattern += ch + (q[i + 1] as string);
      i += 1;
    } else pattern += ch;
  }
  return { kind: 'bad', text: pattern, start, end: q.length, message: 'unterminated regex' };
}
