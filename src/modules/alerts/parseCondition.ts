/**
 * The alert rule condition language of docs/api.md §9, as a pure parser: a threshold
 * (`temperature exceeds 30°C for 5 minutes`) or a no-data rule (`no data for 1 hour`).
 * Every pattern below is anchored and made of disjoint character classes, so parsing is
 * linear in the text's length whatever the text.
 */

export type Operator = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'ne';
export type ThresholdCondition = { kind: 'threshold'; field: string; operator: Operator; value: number; forSeconds?: number };
export type NoDataCondition = { kind: 'no_data'; forSeconds: number };
export type ParsedCondition = ThresholdCondition | NoDataCondition;
export type ConditionParse = { ok: true; condition: ParsedCondition } | { ok: false; message: string };

/** The symbol a webhook payload shows for an operator: gt '>', gte '>=', lt '<', lte '<=', eq '==', ne '!='. */
export const operatorSymbols: Record<Operator, string> = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '==', ne: '!=' };

// biome-ignore format: one line per operator
const comparatorList: ReadonlyArray<readonly [string, Operator]> = [
  ['exceeds', 'gt'], ['is greater than', 'gt'], ['is above', 'gt'], ['>', 'gt'],
  ['is at least', 'gte'], ['>=', 'gte'],
  ['is less than', 'lt'], ['drops below', 'lt'], ['is below', 'lt'], ['<', 'lt'],
  ['is at most', 'lte'], ['<=', 'lte'],
  ['equals', 'eq'], ['is equal to', 'eq'], ['=', 'eq'], ['==', 'eq'],
  ['is not equal to', 'ne'], ['does not equal', 'ne'], ['!=', 'ne'],
];
// Longest first, so that '>=30' is not read as '>' followed by '=30'.
const comparators = [...comparatorList].sort((a, b) => b[0].length - a[0].length);

const noDataPrefixes = ['no data received for', 'no data for', 'no readings for', 'missing data for'];

// A Map, so that 'for 5 __proto__' or 'for 5 constructor' finds nothing.
// biome-ignore format: one line per unit
const secondsPerUnit = new Map<string, number>(
  Object.entries({
    s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
    m: 60, min: 60, mins: 60, minute: 60, minutes: 60,
    h: 3600, hr: 3600, hrs: 3600, hour: 3600, hours: 3600,
    d: 86400, day: 86400, days: 86400,
  }),
);
const maxForSeconds = 30 * 86400;

const expected =
  `expected '<field> <comparison> <number> [for <duration>]' or 'no data for <duration>'; ` +
  `comparisons: ${comparatorList.map(([phrase]) => phrase).join(', ')}`;
/**
 * A unit as people write one after a number: °C, %, percent, hPa, m/s, m³ (no digits, so
 * '5e3' is not '5' in unit 'e3'), or the full stop ending a sentence.
 */
const unitPattern = /^(?:\.|[\p{L}°µ%‰][\p{L}°µ%‰/·.²³_-]*)$/u;
const durationExpected = `expected a duration after 'for', such as '5 minutes' or '30s' (units: seconds, minutes, hours, days, or s, m, min, h, d)`;

const fail = (message: string): { ok: false; message: string } => ({ ok: false, message });
// Only ASCII, so that the text keeps its length (offsets into it stay valid) and no
// Unicode letter (the Kelvin sign, dotted İ) folds into an ASCII keyword or field name.
const asciiLower = (text: string) => text.replace(/[A-Z]/g, (letter) => String.fromCharCode(letter.charCodeAt(0) + 32));
const quote = (text: string) => `'${text.length > 64 ? `${text.slice(0, 64)}…` : text}'`;

function parseDuration(text: string): { ok: true; seconds: number } | { ok: false; message: string } {
  const match = /^(\d+(?:\.\d+)?) ?([a-z]+)$/.exec(text);
  const perUnit = match ? secondsPerUnit.get(match[2]!) : undefined;
  if (!match || perUnit === undefined) return fail(durationExpected);
  const seconds = Math.round(Number(match[1]) * perUnit);
  if (!(seconds >= 1 && seconds <= maxForSeconds)) return fail(`the duration after 'for' must be between 1 second and 30 days`);
  return { ok: true, seconds };
}

/** numberFields: the data source's fields of type number, with their exact schema spelling. */
export function parseCondition(text: string, numberFields: readonly string[]): ConditionParse {
  if (typeof text !== 'string') return fail(expected);
  const original = text.trim().replace(/\s+/g, ' ');
  const lower = asciiLower(original);

  for (const prefix of noDataPrefixes) {
    if (lower !== prefix && !lower.startsWith(`${prefix} `)) continue;
    const duration = parseDuration(lower.slice(prefix.length + 1));
    return duration.ok ? { ok: true, condition: { kind: 'no_data', forSeconds: duration.seconds } } : duration;
  }

  const written = /^[a-z_][a-z0-9_]*/i.exec(original)?.[0];
  if (written === undefined) return fail(expected);
  let rest = lower.slice(written.length).trimStart();
  const comparator = comparators.find(
    ([phrase]) => rest.startsWith(phrase) && (!/^[a-z]/.test(phrase) || rest.length === phrase.length || rest[phrase.length] === ' '),
  );
  if (comparator === undefined) return fail(expected);
  const [phrase, operator] = comparator;

  rest = rest.slice(phrase.length).trimStart();
  const number = /^[+-]?(?:\d+(?:\.\d+)?|\.\d+)/.exec(rest)?.[0];
  if (number === undefined) return fail(`expected a number after '${phrase}', as in '${written} ${phrase} 30'`);
  const value = Number(number);
  if (!Number.isFinite(value)) return fail(`the number after '${phrase}' is too large`);

  // What follows the number: an optional unit (one word, ignored), then optionally 'for <duration>'.
  const words = rest.slice(number.length).split(' ').filter(Boolean);
  if (words[0] !== undefined && words[0] !== 'for') {
    if (!unitPattern.test(words[0])) return fail(`expected a unit or 'for <duration>' after the number, not ${quote(words[0])}`);
    words.shift();
  }
  let forSeconds: number | undefined;
  if (words.length > 0) {
    if (words[0] !== 'for') return fail(`expected 'for <duration>' or nothing after the unit, not ${quote(words.join(' '))}`);
    const duration = parseDuration(words.slice(1).join(' '));
    if (!duration.ok) return duration;
    forSeconds = duration.seconds;
  }

  const wanted = lower.slice(0, written.length);
  const field = numberFields.includes(written) ? written : numberFields.find((candidate) => asciiLower(candidate) === wanted);
  if (field === undefined) {
    const known = numberFields.length > 0 ? `'s number fields are: ${numberFields.join(', ')}` : ' has no number fields';
    return fail(`Unknown number field ${quote(written)}; this data source${known}`);
  }
  // -0 would be stored and shown as 0 anyway; normalise so that equality checks agree.
  const condition: ThresholdCondition = { kind: 'threshold', field, operator, value: value === 0 ? 0 : value };
  if (forSeconds !== undefined) condition.forSeconds = forSeconds;
  return { ok: true, condition };
}

/** Whether a value satisfies a threshold condition. */
export function conditionHolds(condition: ThresholdCondition, value: number): boolean {
  const threshold = condition.value;
  switch (condition.operator) {
    case 'gt':
      return value > threshold;
    case 'gte':
      return value >= threshold;
    case 'lt':
      return value < threshold;
    case 'lte':
      return value <= threshold;
    case 'eq':
      return value === threshold;
    case 'ne':
      // NaN satisfies no comparison; without this check it would satisfy '!='.
      return value !== threshold && !Number.isNaN(value);
    default:
      return false;
  }
}
