import type { ComparisonOperator, Condition, Operand } from './ast';
import type { TokenStream } from './tokenStream';

type Expression =
  | { kind: 'binary'; operator: string; left: Expression; right: Expression; at: number }
  | { kind: 'operand'; operand: Operand };

const precedence: Record<string, number> = {
  OR: 1,
  AND: 2,
  '=': 4,
  '!=': 4,
  '<>': 4,
  '<': 4,
  '<=': 4,
  '>': 4,
  '>=': 4,
  '=~': 4,
  '!~': 4,
  '+': 5,
  '-': 5,
};
const comparisonOperators = new Set(['=', '!=', '<>', '<', '<=', '>', '>=', '=~', '!~']);
const literalExpected = ['identifier', 'string', 'number', 'bool'];

function operatorAhead(stream: TokenStream): string | null {
  const token = stream.peek();
  if ((token.kind === 'keyword' || token.kind === 'operator') && token.text in precedence) return token.text;
  return null;
}

function parseUnary(stream: TokenStream): Expression {
  const token = stream.peek();
  if (token.kind === 'bad') stream.failAt(token, literalExpected);
  if (stream.acceptOperator('(')) {
    const inner = parseExpression(stream, 1);
    stream.expectOperator(')');
    return inner;
  }
  if (token.kind === 'operator' && token.text === '-') {
    stream.next();
    const negated = parseUnary(stream);
    const operand = negated.kind === 'operand' ? negated.operand : null;
    if (operand?.kind === 'number') return { kind: 'operand', operand: { kind: 'number', value: -operand.value } };
    if (operand?.kind === 'integer') return { kind: 'operand', operand: { kind: 'integer', value: -operand.value } };
    if (operand?.kind === 'duration') return { kind: 'operand', operand: { kind: 'duration', nanoseconds: -operand.nanoseconds } };
    stream.failAt(token, literalExpected);
  }
  stream.next();
  switch (token.kind) {
    case 'identifier':
      if (token.text.toLowerCase() === 'now' && stream.acceptOperator('(')) {
        stream.expectOperator(')');
        return { kind: 'operand', operand: { kind: 'now' } };
      }
      if (stream.isOperator('(')) stream.fail(`unsupported function in WHERE: ${token.text}()`);
      stream.skipTypeCast();
      return { kind: 'operand', operand: { kind: 'identifier', name: token.text } };
    case 'string':
      return { kind: 'operand', operand: { kind: 'string', value: token.text } };
    case 'number':
      return { kind: 'operand', operand: { kind: 'number', value: Number(token.text) } };
    case 'integer':
      return { kind: 'operand', operand: { kind: 'integer', value: BigInt(token.text) } };
    case 'duration':
      return { kind: 'operand', operand: { kind: 'duration', nanoseconds: token.nanoseconds as bigint } };
    case 'keyword':
      if (token.text === 'TRUE' || token.text === 'FALSE') {
        return { kind: 'operand', operand: { kind: 'boolean', value: token.text === 'TRUE' } };
      }
      break;
  }
  return stream.failAt(token, literalExpected);
}

/** Precedence climbing over OR < AND < comparisons < + -. */
function parseExpression(stream: TokenStream, minPrecedence: number): Expression {
  let left = parseUnary(stream);
  for (;;) {
    const operator = operatorAhead(stream);
    if (!operator || (precedence[operator] as number) < minPrecedence) return left;
    const at = stream.next().start;
    const right =
      operator === '=~' || operator === '!~'
        ? { kind: 'operand' as const, operand: { kind: 'regex' as const, pattern: stream.nextRegex().text } }
        : parseExpression(stream, (precedence[operator] as number) + 1);
    left = { kind: 'binary', operator, left, right, at };
  }
}

function toOperand(stream: TokenStream, expression: Expression): Operand {
  if (expression.kind === 'operand') return expression.operand;
  if (expression.operator === '+' || expression.operator === '-') {
    return {
      kind: 'arithmetic',
      operator: expression.operator,
      left: toOperand(stream, expression.left),
      right: toOperand(stream, expression.right),
    };
  }
  return stream.fail(`invalid operand of a comparison at ${expression.operator}`);
}

function toCondition(stream: TokenStream, expression: Expression): Condition {
  if (expression.kind === 'binary' && (expression.operator === 'AND' || expression.operator === 'OR')) {
    return {
      kind: expression.operator === 'AND' ? 'and' : 'or',
      left: toCondition(stream, expression.left),
      right: toCondition(stream, expression.right),
    };
  }
  if (expression.kind === 'binary' && comparisonOperators.has(expression.operator)) {
    const operator = (expression.operator === '<>' ? '!=' : expression.operator) as ComparisonOperator;
    return { kind: 'comparison', operator, left: toOperand(stream, expression.left), right: toOperand(stream, expression.right) };
  }
  return stream.fail('invalid condition: expected a comparison (a = b, a < b, a =~ /re/) combined with AND or OR');
}

/** The expression after WHERE. */
export function parseCondition(stream: TokenStream): Condition {
  return toCondition(stream, parseExpression(stream, 1));
}
