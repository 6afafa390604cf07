import type { ShowStatement, TagKeySelector } from './ast';
import { parseCondition } from './parseCondition';
import type { TokenStream } from './tokenStream';

function parseOn(stream: TokenStream): { database?: string } {
  return stream.acceptKeyword('ON') ? { database: stream.identifier() } : {};
}

function parseFrom(stream: TokenStream) {
  if (!stream.acceptKeyword('FROM')) return {};
  if (stream.peek().text === '/') stream.fail('regular expressions in FROM are not supported');
  return { from: stream.measurement() };
}

function parseWhere(stream: TokenStream) {
  return stream.acceptKeyword('WHERE') ? { where: parseCondition(stream) } : {};
}

function parseLimitOffset(stream: TokenStream): { limit?: number; offset?: number } {
  const limit = stream.acceptKeyword('LIMIT') ? stream.integer() : undefined;
  const offset = stream.acceptKeyword('OFFSET') ? stream.integer() : undefined;
  return { ...(limit === undefined ? {} : { limit }), ...(offset === undefined ? {} : { offset }) };
}

function parseTagKeySelector(stream: TokenStream): TagKeySelector {
  stream.expectKeyword('WITH');
  stream.expectKeyword('KEY');
  if (stream.acceptKeyword('IN')) {
    stream.expectOperator('(');
    const keys = [stream.identifier()];
    while (stream.acceptOperator(',')) keys.push(stream.identifier());
    stream.expectOperator(')');
    return { kind: 'equals', keys };
  }
  if (stream.acceptOperator('=')) return { kind: 'equals', keys: [stream.identifier()] };
  if (stream.acceptOperator('!=') || stream.acceptOperator('<>')) return { kind: 'notEquals', key: stream.identifier() };
  const negated = stream.isOperator('!~');
  if (stream.acceptOperator('=~') || stream.acceptOperator('!~')) return { kind: 'regex', pattern: stream.nextRegex().text, negated };
  return stream.failAt(stream.peek(), ['IN', '=', '=~']);
}

function parseMeasurementFilter(stream: TokenStream) {
  if (!stream.acceptKeyword('WITH')) return {};
  stream.expectKeyword('MEASUREMENT');
  const token = stream.peek();
  if (token.kind !== 'operator' || !['=', '!=', '<>', '=~', '!~'].includes(token.text)) stream.failAt(token, ['=', '=~']);
  stream.next();
  const operator = token.text === '<>' ? '!=' : (token.text as '=' | '!=' | '=~' | '!~');
  const value = operator === '=~' || operator === '!~' ? stream.nextRegex().text : stream.identifier();
  return { measurement: { operator, value } };
}

/** SHOW … after its keyword: the statements Grafana's editor and "Save & test" send. */
export function parseShow(stream: TokenStream): ShowStatement {
  const token = stream.peek();
  if (stream.acceptKeyword('DATABASES')) return { kind: 'showDatabases' };
  if (stream.acceptKeyword('RETENTION')) {
    stream.expectKeyword('POLICIES');
    return { kind: 'showRetentionPolicies', ...parseOn(stream) };
  }
  if (stream.acceptKeyword('MEASUREMENTS')) {
    const on = parseOn(stream);
    const measurement = parseMeasurementFilter(stream);
    return { kind: 'showMeasurements', ...on, ...measurement, ...parseWhere(stream), ...parseLimitOffset(stream) };
  }
  if (stream.acceptKeyword('FIELD')) {
    stream.expectKeyword('KEYS');
    return { kind: 'showFieldKeys', ...parseOn(stream), ...parseFrom(stream), ...parseLimitOffset(stream) };
  }
  if (stream.acceptKeyword('TAG')) {
    if (stream.acceptKeyword('KEYS')) {
      return { kind: 'showTagKeys', ...parseOn(stream), ...parseFrom(stream), ...parseWhere(stream), ...parseLimitOffset(stream) };
    }
    stream.expectKeyword('VALUES');
    const on = parseOn(stream);
    const from = parseFrom(stream);
    const keys = parseTagKeySelector(stream);
    return { kind: 'showTagValues', ...on, ...from, keys, ...parseWhere(stream), ...parseLimitOffset(stream) };
  }
  return stream.failAt(token, ['DATABASES', 'FIELD', 'MEASUREMENTS', 'RETENTION', 'TAG']);
}
