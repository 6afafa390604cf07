import type { MeasurementRef } from './ast';
import { scanRegex, scanToken, type Token } from './lexer';

const castTypes = ['tag', 'field', 'float', 'integer', 'unsigned', 'string', 'boolean'];

/** A statement that cannot be parsed; the message is InfluxDB's, prefix included. */
export class ParseFailure extends Error {}

/** "line L, char C" as InfluxDB counts them (both from 1). */
function locate(query: string, offset: number): string {
  const before = query.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, char ${offset - (before.lastIndexOf('\n') + 1) + 1}`;
}

/** Tokens of one query read on demand, with the "found X, expected Y" errors InfluxDB gives. */
export class TokenStream {
  private position = 0;

  constructor(readonly query: string) {}

  peek(): Token {
    return scanToken(this.query, this.position);
  }

  next(): Token {
    const token = this.peek();
    if (token.kind === 'bad') this.failAt(token, []);
    this.position = Math.max(this.position, token.end);
    return token;
  }

  nextRegex(): Token {
    const token = scanRegex(this.query, this.position);
    if (token.kind === 'bad') this.failAt(token, []);
    this.position = token.end;
    return token;
  }

  isKeyword(...words: string[]): boolean {
    const token = this.peek();
    return token.kind === 'keyword' && words.includes(token.text);
  }

  acceptKeyword(word: string): boolean {
    if (!this.isKeyword(word)) return false;
    this.next();
    return true;
  }

  expectKeyword(word: string): void {
    if (!this.acceptKeyword(word)) this.failAt(this.peek(), [word]);
  }

  isOperator(...symbols: string[]): boolean {
    const token = this.peek();
    return token.kind === 'operator' && symbols.includes(token.text);
  }

  acceptOperator(symbol: string): boolean {
    if (!this.isOperator(symbol)) return false;
    this.next();
    return true;
  }

  expectOperator(symbol: string): void {
    if (!this.acceptOperator(symbol)) this.failAt(this.peek(), [symbol]);
  }

  identifier(): string {
    const token = this.peek();
    if (token.kind !== 'identifier') this.failAt(token, ['identifier']);
    const { text } = this.next();
    this.skipTypeCast();
    return text;
  }

  /**
   * `"host"::tag`, `"v"::field`, `"v"::float`...: Grafana's editor writes these casts. The
   * data source's schema already says which names are fields, so the cast is read and passed over.
   */
  skipTypeCast(): void {
    if (!this.acceptOperator('::')) return;
    const token = this.peek();
    if (!castTypes.includes(token.text.toLowerCase())) this.failAt(token, castTypes);
    this.next();
  }

  /** A non-negative integer, as LIMIT and OFFSET take. */
  integer(): number {
    const token = this.peek();
    if (token.kind !== 'integer') this.failAt(token, ['integer']);
    this.next();
    return Number(token.text);
  }

  /** `m`, `rp.m`, `db.rp.m` or `db..m`, each part bare or quoted. */
  measurement(): MeasurementRef {
    const parts = [this.isOperator('.') ? '' : this.identifier()];
    while (parts.length < 3 && this.acceptOperator('.')) parts.push(this.isOperator('.') ? '' : this.identifier());
    const name = parts.pop() as string;
    if (name === '') this.failAt(this.peek(), ['identifier']);
    const [database, retentionPolicy] = parts.length === 2 ? parts : [undefined, parts[0]];
    return {
      name,
      ...(database ? { database } : {}),
      ...(retentionPolicy ? { retentionPolicy } : {}),
    };
  }

  atStatementEnd(): boolean {
    const token = this.peek();
    return token.kind === 'eof' || (token.kind === 'operator' && token.text === ';');
  }

  /** After an error: moves past the broken statement, to its `;` or the end. */
  skipStatement(): void {
    for (;;) {
      const token = this.peek();
      this.position = Math.max(this.position + 1, token.end);
      if (token.kind === 'eof' || (token.kind === 'operator' && token.text === ';')) return;
    }
  }

  failAt(token: Token, expected: string[]): never {
    if (token.message) throw new ParseFailure(`error parsing query: ${token.message}`);
    const expecting = expected.length > 0 ? `, expected ${expected.join(', ')}` : '';
    throw new ParseFailure(`error parsing query: found ${token.text}${expecting} at ${locate(this.query, token.start)}`);
  }

  fail(message: string): never {
    throw new ParseFailure(`error parsing query: ${message}`);
  }
}
