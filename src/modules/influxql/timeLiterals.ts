import type { Operand } from './ast';
import { StatementError } from './statementError';

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?$/;

/** '2026-01-01T00:00:00.5Z', '2026-01-01 00:00:00', '2026-01-01' (UTC unless an offset is written) in nanoseconds. */
export function parseTimeString(text: string): bigint {
  const match = rfc3339.exec(text);
  if (!match) throw new StatementError(`invalid operation: time and *influxql.StringLiteral are not compatible`);
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone = 'Z'] = match;
  const ms = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  if (Number.isNaN(ms)) throw new StatementError(`invalid time: ${text}`);
  let ns = BigInt(ms) * 1_000_000n + BigInt(fraction.padEnd(9, '0') || '0');
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1n : 1n;
    const offsetMinutes = BigInt(Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
    ns -= sign * offsetMinutes * 60_000_000_000n;
  }
  return ns;
}

/** The nanosecond time an operand of a `time` comparison stands for: now(), durations and integers since the epoch, strings. */
export function timeValueOf(operand: Operand, nowNs: bigint): bigint {
  switch (operand.kind) {
    case 'now':
      return nowNs;
    case 'duration':
      return operand.nanoseconds;
    case 'integer':
      return operand.value;
    case 'number':
      return BigInt(Math.round(operand.value));
    case 'string':
      return parseTimeString(operand.value);
    case 'arithmetic': {
      const left = timeValueOf(operand.left, nowNs);
      const right = timeValueOf(operand.right, nowNs);
      return operand.operator === '+' ? left + right : left - right;
    }
    default:
      throw new StatementError(`invalid time comparison: time compared with a ${operand.kind}`);
  }
}
