import type { ParsedStatement, Statement } from './ast';
import { parseSelect } from './parseSelect';
import { parseShow } from './parseShow';
import { ParseFailure, TokenStream } from './tokenStream';

function parseStatement(stream: TokenStream): Statement {
  if (stream.acceptKeyword('SELECT')) return parseSelect(stream);
  if (stream.acceptKeyword('SHOW')) return parseShow(stream);
  return stream.failAt(stream.peek(), ['SELECT', 'SHOW']);
}

/**
 * The statements of `q`, separated by `;` (empty ones are skipped), each parsed or the
 * message of why not; a statement that fails does not stop the ones after it.
 */
export function parseInfluxQL(q: string): ParsedStatement[] {
  const stream = new TokenStream(q);
  const statements: ParsedStatement[] = [];
  for (;;) {
    while (stream.acceptOperator(';'));
    if (stream.peek().kind === 'eof') return statements;
    try {
      const statement = parseStatement(stream);
      if (!stream.atStatementEnd()) stream.failAt(stream.peek(), [';']);
      statements.push({ ok: true, statement });
    } catch (error) {
      if (!(error instanceof ParseFailure)) throw error;
      statements.push({ ok: false, error: error.message });
      stream.skipStatement();
    }
  }
}
