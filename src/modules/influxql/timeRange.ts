import type { ComparisonOperator, Condition, Operand } from './ast';
import { StatementError } from './statementError';
import { timeValueOf } from './timeLiterals';

/** Inclusive bounds in nanoseconds; null when the WHERE clause sets none. */
export interface TimeRange {
  minNs: bigint | null;
  maxNs: bigint | null;
}

const flipped: Partial<Record<ComparisonOperator, ComparisonOperator>> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const isTime = (operand: Operand) => operand.kind === 'identifier' && operand.name.toLowerCase() === 'time';

function rangeOfComparison(operator: ComparisonOperator, ns: bigint): TimeRange {
  switch (operator) {
    case '>=':
      return { minNs: ns, maxNs: null };
    case '>':
      return { minNs: ns + 1n, maxNs: null };
    case '<=':
      return { minNs: null, maxNs: ns };
    case '<':
      return { minNs: null, maxNs: ns - 1n };
    case '=':
      return { minNs: ns, maxNs: ns };
    default:
      throw new StatementError(`invalid time comparison operator: ${operator}`);
  }
}

const intersect = (a: TimeRange, b: TimeRange): TimeRange => ({
  minNs: a.minNs === null ? b.minNs : b.minNs === null ? a.minNs : a.minNs > b.minNs ? a.minNs : b.minNs,
  maxNs: a.maxNs === null ? b.maxNs : b.maxNs === null ? a.maxNs : a.maxNs < b.maxNs ? a.maxNs : b.maxNs,
});

/**
 * Takes the `time` comparisons out of a WHERE clause as InfluxDB 1.x does: wherever they
 * are, they narrow one range, and the rest (tags and fields) is the clause without them;
 * so `time > x OR "host" = 'a'` reads as `"host" = 'a'` within time > x.
 */
export function splitTimeRange(condition: Condition | undefined, nowNs: bigint): { range: TimeRange; rest?: Condition } {
  if (!condition) return { range: { minNs: null, maxNs: null } };
  if (condition.kind !== 'comparison') {
    const left = splitTimeRange(condition.left, nowNs);
    const right = splitTimeRange(condition.right, nowNs);
    const rest = left.rest && right.rest ? { kind: condition.kind, left: left.rest, right: right.rest } : (left.rest ?? right.rest);
    return { range: intersect(left.range, right.range), ...(rest ? { rest } : {}) };
  }
  if (isTime(condition.left) && isTime(condition.right)) throw new StatementError('invalid time condition: time compared with time');
  if (isTime(condition.left)) return { range: rangeOfComparison(condition.operator, timeValueOf(condition.right, nowNs)) };
  if (isTime(condition.right)) {
    const operator = flipped[condition.operator] ?? condition.operator;
    return { range: rangeOfComparison(operator, timeValueOf(condition.left, nowNs)) };
  }
  return { range: { minNs: null, maxNs: null }, rest: condition };
}
