import { aggregateFunctions, type AggregateFunction, type Fill, type SelectField, type SelectStatement } from './ast';
import { parseCondition } from './parseCondition';
import { ParseFailure, type TokenStream } from './tokenStream';

function parseField(stream: TokenStream): SelectField | null {
  if (stream.peek().kind !== 'identifier') stream.failAt(stream.peek(), ['identifier', 'string', 'number', 'bool']);
  const name = stream.identifier();
  let field: SelectField;
  if (stream.acceptOperator('(')) {
    const fn = name.toLowerCase();
    if (!aggregateFunctions.includes(fn as AggregateFunction)) throw new ParseFailure(`undefined function ${name}()`);
    if (stream.isOperator('*')) stream.fail(`${fn}(*) is not supported: name the field, as in ${fn}("value")`);
    field = { kind: 'aggregate', fn: fn as AggregateFunction, field: stream.identifier() };
    stream.expectOperator(')');
  } else field = { kind: 'field', name };
  if (stream.acceptKeyword('AS')) field.alias = stream.identifier();
  // `time` is always the first column; naming it selects nothing more.
  return field.kind === 'field' && name.toLowerCase() === 'time' && !field.alias ? null : field;
}

function parseFields(stream: TokenStream): SelectField[] | '*' {
  if (stream.acceptOperator('*')) return '*';
  const fields: SelectField[] = [];
  do {
    const field = parseField(stream);
    if (field) fields.push(field);
  } while (stream.acceptOperator(','));
  if (fields.length === 0) throw new ParseFailure('at least 1 non-time field must be queried');
  return fields;
}

function parseSignedDuration(stream: TokenStream): bigint {
  const negative = stream.acceptOperator('-');
  const token = stream.peek();
  if (token.kind !== 'duration') stream.failAt(token, ['duration']);
  stream.next();
  return negative ? -(token.nanoseconds as bigint) : (token.nanoseconds as bigint);
}

function parseGroupBy(stream: TokenStream, statement: SelectStatement): void {
  const tags: string[] = [];
  do {
    if (stream.acceptOperator('*')) {
      statement.groupBy.tags = '*';
      continue;
    }
    const name = stream.identifier();
    if (name.toLowerCase() === 'time' && stream.acceptOperator('(')) {
      if (stream.isOperator(')')) throw new ParseFailure('time dimension expected 1 or 2 arguments');
      const intervalNs = parseSignedDuration(stream);
      const offsetNs = stream.acceptOperator(',') ? parseSignedDuration(stream) : 0n;
      stream.expectOperator(')');
      if (intervalNs <= 0n) throw new ParseFailure('time dimension must have a positive duration');
      if (statement.groupBy.time) throw new ParseFailure('multiple time dimensions not allowed');
      statement.groupBy.time = { intervalNs, offsetNs };
    } else tags.push(name);
  } while (stream.acceptOperator(','));
  if (statement.groupBy.tags !== '*') statement.groupBy.tags = tags;
}

function parseFill(stream: TokenStream): Fill {
  stream.expectOperator('(');
  const token = stream.peek();
  let fill: Fill | null = null;
  if (token.kind === 'identifier' && ['null', 'none', 'previous'].includes(token.text.toLowerCase())) {
    stream.next();
    fill = { kind: token.text.toLowerCase() as 'null' | 'none' | 'previous' };
  } else {
    const negative = stream.acceptOperator('-');
    const number = stream.peek();
    if (number.kind === 'integer' || number.kind === 'number') {
      stream.next();
      fill = { kind: 'value', value: (negative ? -1 : 1) * Number(number.text) };
    }
  }
  if (!fill) stream.fail('fill must be a number, null, none or previous (linear is not supported)');
  stream.expectOperator(')');
  return fill;
}

function parseOrderBy(stream: TokenStream): 'asc' | 'desc' {
  stream.expectKeyword('BY');
  const token = stream.peek();
  if (token.kind !== 'identifier' || token.text.toLowerCase() !== 'time') {
    if (stream.isKeyword('ASC', 'DESC')) return stream.next().text === 'ASC' ? 'asc' : 'desc';
    throw new ParseFailure('only ORDER BY time supported at this time');
  }
  stream.next();
  if (stream.isKeyword('ASC', 'DESC')) return stream.next().text === 'ASC' ? 'asc' : 'desc';
  return 'asc';
}

/** The statement errors InfluxDB gives before running a select. */
function assertConsistent(statement: SelectStatement): void {
  const aggregates = statement.fields === '*' ? 0 : statement.fields.filter((field) => field.kind === 'aggregate').length;
  if (statement.fields !== '*' && aggregates > 0 && aggregates < statement.fields.length) {
    throw new ParseFailure('mixing aggregate and non-aggregate queries is not supported');
  }
  if (aggregates === 0 && statement.groupBy.time) throw new ParseFailure('GROUP BY requires at least one aggregate function');
}

/** SELECT … after its keyword. */
export function parseSelect(stream: TokenStream): SelectStatement {
  const fields = parseFields(stream);
  stream.expectKeyword('FROM');
  if (stream.peek().text === '/') stream.fail('regular expressions in FROM are not supported');
  const statement: SelectStatement = {
    kind: 'select',
    fields,
    from: stream.measurement(),
    groupBy: { tags: [] },
    fill: { kind: 'null' },
    order: 'asc',
  };
  if (stream.acceptKeyword('WHERE')) statement.where = parseCondition(stream);
  if (stream.acceptKeyword('GROUP')) {
    stream.expectKeyword('BY');
    parseGroupBy(stream, statement);
  }
  const next = stream.peek();
  if (next.kind === 'identifier' && next.text.toLowerCase() === 'fill') {
    stream.next();
    statement.fill = parseFill(stream);
  }
  if (stream.acceptKeyword('ORDER')) statement.order = parseOrderBy(stream);
  if (stream.acceptKeyword('LIMIT')) statement.limit = stream.integer();
  if (stream.acceptKeyword('OFFSET')) statement.offset = stream.integer();
  if (stream.isKeyword('SLIMIT', 'SOFFSET')) stream.fail('SLIMIT and SOFFSET are not supported');
  const tz = stream.peek();
  if (tz.kind === 'identifier' && tz.text.toLowerCase() === 'tz') stream.fail('tz() is not supported: times are UTC');
  assertConsistent(statement);
  return statement;
}
