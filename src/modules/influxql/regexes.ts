import { StatementError } from './statementError';

/**
 * InfluxQL regexes are Go's (RE2); the common ones are also JavaScript's, except inline
 * flags, which Grafana writes as a leading `(?i)`.
 */
export function toRegExp(pattern: string): RegExp {
  const flags = /^\(\?([imsU]+)\)/.exec(pattern);
  const source = flags ? pattern.slice(flags[0].length) : pattern;
  const jsFlags = (flags?.[1] ?? '').replace(/U/g, '');
  try {
    return new RegExp(source, [...new Set(jsFlags)].join(''));
  } catch (error) {
    throw new StatementError(`invalid regular expression /${pattern}/: ${(error as Error).message}`);
  }
}
