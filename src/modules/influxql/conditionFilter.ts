import type { mongo } from 'mongoose';
import type { ComparisonOperator, Condition, Operand } from './ast';
import type { FieldTypes } from './ports';
import { toRegExp } from './regexes';
import { StatementError } from './statementError';

type Document = mongo.Document;

/** Metadata keys as ingest accepts them; any other tag name cannot exist, so it is never a document path. */
export const isStoredTagKey = (name: string) => /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(name);
const matchesNothing: Document = { _id: { $exists: false } };

/** Metadata may hold numbers and booleans (the JSON API takes them); a tag compares as its text. */
function storedFormsOf(value: string): unknown[] {
  if (value === '') return ['', null];
  const forms: unknown[] = [value];
  if (value === 'true' || value === 'false') forms.push(value === 'true');
  else if (value.trim() !== '' && String(Number(value)) === value) forms.push(Number(value));
  return forms;
}

/** Points whose tag reads `value`; InfluxDB reads a missing tag as ''. */
export function tagEquals(name: string, value: string): Document {
  if (!isStoredTagKey(name)) return value === '' ? {} : matchesNothing;
  return { [`metadata.${name}`]: { $in: storedFormsOf(value) } };
}

function tagComparison(name: string, operator: ComparisonOperator, literal: Operand): Document {
  if ((operator === '=~' || operator === '!~') && literal.kind === 'regex') {
    const regex = toRegExp(literal.pattern);
    const matchesMissing = regex.test('') !== (operator === '!~');
    if (!isStoredTagKey(name)) return matchesMissing ? {} : matchesNothing;
    const path = `metadata.${name}`;
    if (operator === '=~') return matchesMissing ? { $or: [{ [path]: regex }, { [path]: { $exists: false } }] } : { [path]: regex };
    return matchesMissing ? { [path]: { $not: regex } } : { [path]: { $not: regex, $exists: true } };
  }
  if (literal.kind !== 'string' || (operator !== '=' && operator !== '!=')) return matchesNothing;
  const equals = tagEquals(name, literal.value);
  return operator === '=' ? equals : { $nor: [equals] };
}

const rangeOperators: Partial<Record<ComparisonOperator, string>> = { '<': '$lt', '<=': '$lte', '>': '$gt', '>=': '$gte' };

function fieldComparison(name: string, operator: ComparisonOperator, literal: Operand): Document {
  const path = `values.${name}`;
  if (literal.kind === 'regex') {
    const regex = toRegExp(literal.pattern);
    if (operator === '=~') return { [path]: regex };
    if (operator === '!~') return { [path]: { $not: regex, $exists: true } };
    return matchesNothing;
  }
  const value =
    literal.kind === 'integer'
      ? Number(literal.value)
      : literal.kind === 'number' || literal.kind === 'string' || literal.kind === 'boolean'
        ? literal.value
        : undefined;
  if (value === undefined) throw new StatementError(`invalid comparison of field "${name}" with a ${literal.kind}`);
  if (operator === '=') return { [path]: value };
  // A point without the field matches no comparison, not even !=.
  if (operator === '!=') return { [path]: { $ne: value, $exists: true } };
  const mongoOperator = rangeOperators[operator];
  return mongoOperator ? { [path]: { [mongoOperator]: value } } : matchesNothing;
}

const mirrored: Partial<Record<ComparisonOperator, ComparisonOperator>> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

function comparisonFilter(condition: Extract<Condition, { kind: 'comparison' }>, fields: FieldTypes): Document {
  let { left, right, operator } = condition;
  if (left.kind !== 'identifier' && right.kind === 'identifier') {
    [left, right] = [right, left];
    operator = mirrored[operator] ?? operator;
  }
  if (left.kind !== 'identifier' || right.kind === 'identifier' || right.kind === 'arithmetic' || right.kind === 'now') {
    throw new StatementError('unsupported condition: compare a tag or field with a literal, as in "host" = \'a\'');
  }
  return Object.hasOwn(fields, left.name) ? fieldComparison(left.name, operator, right) : tagComparison(left.name, operator, right);
}

/** A WHERE clause without its time range, as a MongoDB filter on points' `values` (fields) and `metadata` (tags). */
export function conditionFilter(condition: Condition | undefined, fields: FieldTypes): Document {
  if (!condition) return {};
  if (condition.kind === 'comparison') return comparisonFilter(condition, fields);
  const parts = [conditionFilter(condition.left, fields), conditionFilter(condition.right, fields)];
  return condition.kind === 'and' ? { $and: parts } : { $or: parts };
}
