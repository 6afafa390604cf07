/**
 * Line-protocol timestamps and integers: bounded BigInt parsing, the request's precision,
 * and conversion to the milliseconds dakkio stores. Pure; no Date.now().
 */

export type Precision = 'ns' | 'us' | 'ms' | 's' | 'm' | 'h';

const v1Precisions = new Map<string, Precision>([
  ['n', 'ns'],
  ['ns', 'ns'],
  ['u', 'us'],
  ['us', 'us'],
  ['ms', 'ms'],
  ['s', 's'],
  ['m', 'm'],
  ['h', 'h'],
]);
const v2Precisions = new Map<string, Precision>([
  ['ns', 'ns'],
  ['us', 'us'],
  ['ms', 'ms'],
  ['s', 's'],
]);

/**
 * The precision named by a `precision` query parameter, or null for a name the API does not
 * accept (InfluxDB 1.6 silently reads unknown names as ns; dakkio refuses them). Absent and
 * empty both mean ns: the influx 1.x CLI always sends `precision=`, empty unless set.
 */
export function precisionOf(text: string | undefined, api: 'v1' | 'v2'): Precision | null {
  if (text === undefined || text === '') return 'ns';
  return (api === 'v1' ? v1Precisions : v2Precisions).get(text) ?? null;
}

export const int64Min = -(2n ** 63n);
export const int64Max = 2n ** 63n - 1n;
export const uint64Max = 2n ** 64n - 1n;

/**
 * `text` (an optional '-' then at least one ASCII digit, already checked) as a BigInt, or null
 * if it lies outside [min, max]. Leading zeros are dropped and over-long texts refused before
 * BigInt sees them, so a megabyte of digits costs one linear scan, not a quadratic conversion.
 */
export function boundedInteger(text: string, min: bigint, max: bigint): bigint | null {
  const negative = text.charCodeAt(0) === 45;
  let first = negative ? 1 : 0;
  while (first < text.length - 1 && text.charCodeAt(first) === 48) first++;
  // 2^64 has 20 digits; anything longer is out of every range used here.
  if (text.length - first > 20) return null;
  const magnitude = BigInt(text.slice(first));
  const value = negative ? -magnitude : magnitude;
  return value < min || value > max ? null : value;
}

const isDigit = (code: number) => code >= 48 && code <= 57;

/** Whether `text` is an optional '-' followed by one or more ASCII digits. */
export function isIntegerText(text: string): boolean {
  const first = text.charCodeAt(0) === 45 ? 1 : 0;
  if (text.length <= first) return false;
  for (let i = first; i < text.length; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

export type TimestampParse = { ok: true; timestamp: bigint } | { ok: false; reason: string };

/** A written timestamp: an int64 in the request's precision, as InfluxDB's scanTime reads it. */
export function parseTimestamp(text: string): TimestampParse {
  if (!isIntegerText(text)) return { ok: false, reason: 'bad timestamp' };
  const timestamp = boundedInteger(text, int64Min, int64Max);
  // InfluxDB returns Go's strconv error unchanged here.
  if (timestamp === null) return { ok: false, reason: `strconv.ParseInt: parsing "${text}": value out of range` };
  return { ok: true, timestamp };
}

const millisPerUnit: Record<'ms' | 's' | 'm' | 'h', bigint> = { ms: 1n, s: 1000n, m: 60_000n, h: 3_600_000n };
const unitsPerMilli: Record<'ns' | 'us', bigint> = { ns: 1_000_000n, us: 1000n };
// The range of a JavaScript Date: ±100,000,000 days around the epoch.
const maxDateMillis = 8_640_000_000_000_000n;

/** BigInt division rounds toward zero; this rounds toward negative infinity. */
function floorDivide(dividend: bigint, divisor: bigint): bigint {
  const quotient = dividend / divisor;
  return dividend % divisor !== 0n && dividend < 0n ? quotient - 1n : quotient;
}

/**
 * Converts a timestamp in `precision` units to epoch milliseconds (truncating toward negative
 * infinity below 1 ms, like floor); returns null if the result is outside the JS Date range
 * (±8.64e15 ms).
 */
export function timestampToMillis(timestamp: bigint, precision: Precision): number | null {
  const millis =
    precision === 'ns' || precision === 'us' ? floorDivide(timestamp, unitsPerMilli[precision]) : timestamp * millisPerUnit[precision];
  if (millis < -maxDateMillis || millis > maxDateMillis) return null;
  return Number(millis);
}
