import type { InfluxQLDatabase, InfluxQLMeasurement } from './ports';
import type { StatementContext } from './statementContext';
import { StatementError } from './statementError';

/** LIMIT and OFFSET over a list (LIMIT 0 is no limit). */
export function page<T>(items: T[], statement: { limit?: number; offset?: number }): T[] {
  const start = statement.offset ?? 0;
  return items.slice(start, statement.limit ? start + statement.limit : undefined);
}

/** `FROM m` narrows to one measurement (none when unknown); without FROM, all of them. */
export async function measurementsFrom(
  context: StatementContext,
  statement: { database?: string; from?: { database?: string; retentionPolicy?: string; name: string } },
): Promise<{ database: InfluxQLDatabase; measurements: InfluxQLMeasurement[] }> {
  const database = await context.database(statement.from?.database ?? statement.database);
  const policy = statement.from?.retentionPolicy;
  if (policy !== undefined && policy !== 'autogen') throw new StatementError(`retention policy not found: ${policy}`);
  const all = await context.measurements(database);
  const measurements = statement.from ? all.filter((measurement) => measurement.name === statement.from?.name) : all;
  return { database, measurements };
}
