import type { ShowStatement } from './ast';
import { measurementsFrom, page } from './measurementSelection';
import type { Series } from './ports';
import { toRegExp } from './regexes';
import { retentionPolicyRow, retentionPolicyColumns } from './retentionPolicies';
import type { StatementContext } from './statementContext';
import { measurementsWithPoints, showTagKeys, showTagValues } from './showTags';

const fieldTypeNames = { number: 'float', string: 'string', boolean: 'boolean' } as const;

function measurementNameFilter(statement: Extract<ShowStatement, { kind: 'showMeasurements' }>): (name: string) => boolean {
  const filter = statement.measurement;
  if (!filter) return () => true;
  if (filter.operator === '=') return (name) => name === filter.value;
  if (filter.operator === '!=') return (name) => name !== filter.value;
  const regex = toRegExp(filter.value);
  return filter.operator === '=~' ? (name) => regex.test(name) : (name) => !regex.test(name);
}

/** The SHOW statements: names from the databases' and sources' records, tags from the points. */
export async function runShow(statement: ShowStatement, context: StatementContext): Promise<Series[]> {
  switch (statement.kind) {
    case 'showDatabases': {
      const databases = await context.ports.listBuckets();
      return databases.length === 0 ? [] : [{ name: 'databases', columns: ['name'], values: databases.map((database) => [database.name]) }];
    }
    case 'showRetentionPolicies': {
      const database = await context.database(statement.database);
      return [{ columns: retentionPolicyColumns, values: [retentionPolicyRow(database.retentionDays)] }];
    }
    case 'showMeasurements': {
      const database = await context.database(statement.database);
      const all = await context.measurements(database);
      const kept = statement.where ? await measurementsWithPoints(context, database, all, statement.where) : all;
      const names = kept.map((measurement) => measurement.name).filter(measurementNameFilter(statement));
      const values = page(names, statement).map((name) => [name]);
      return values.length === 0 ? [] : [{ name: 'measurements', columns: ['name'], values }];
    }
    case 'showFieldKeys': {
      const { measurements } = await measurementsFrom(context, statement);
      return measurements.flatMap((measurement) => {
        const fields = Object.keys(measurement.schema).sort();
        const values = page(fields, statement).map((field) => [field, fieldTypeNames[measurement.schema[field]?.type ?? 'number']]);
        return values.length === 0 ? [] : [{ name: measurement.name, columns: ['fieldKey', 'fieldType'], values }];
      });
    }
    case 'showTagKeys':
      return showTagKeys(statement, context);
    case 'showTagValues':
      return showTagValues(statement, context);
  }
}
