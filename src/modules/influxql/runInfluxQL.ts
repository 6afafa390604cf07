import { DomainError } from '../../shared/errors';
import { parseInfluxQL } from './parseInfluxQL';
import type { InfluxQLInput, InfluxQLPorts, StatementResult } from './ports';
import { runSelect } from './runSelect';
import { runShow } from './showStatements';
import { createStatementContext } from './statementContext';
import { StatementError } from './statementError';

/**
 * Runs every statement of `q` in turn and answers in InfluxDB 1.x JSON. A statement that
 * cannot be parsed or run gets `{ statement_id, error }` and the others still run; only a
 * failing database (not a slow query) rejects the whole call.
 */
export async function runInfluxQL(input: InfluxQLInput, ports: InfluxQLPorts): Promise<{ results: StatementResult[] }> {
  const context = createStatementContext(input, ports);
  const results: StatementResult[] = [];
  for (const [statementId, parsed] of parseInfluxQL(input.q).entries()) {
    if (!parsed.ok) {
      results.push({ statement_id: statementId, error: parsed.error });
      continue;
    }
    try {
      const { statement } = parsed;
      const series = statement.kind === 'select' ? await runSelect(statement, context) : await runShow(statement, context);
      results.push(series.length > 0 ? { statement_id: statementId, series } : { statement_id: statementId });
    } catch (error) {
      const perStatement = error instanceof StatementError || (error instanceof DomainError && error.code === 'QUERY_TOO_EXPENSIVE');
      if (!perStatement) throw error;
      results.push({ statement_id: statementId, error: error.message });
    }
  }
  return { results };
}
