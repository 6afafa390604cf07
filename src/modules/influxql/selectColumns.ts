import type { AggregateFunction, SelectField } from './ast';
import type { FieldTypes } from './ports';
import { StatementError } from './statementError';

export interface AggregateColumn {
  name: string;
  fn: AggregateFunction;
  /** Index into the statement's known fields; null for a field the measurement does not have. */
  fieldIndex: number | null;
}

export interface RawColumn {
  name: string;
  kind: 'field' | 'tag';
  key: string;
}

/** InfluxDB's column names: aliases as written, then generated names made unique with `_1`, `_2`, …. */
export function columnNames(fields: { alias?: string; generated: string }[]): string[] {
  const taken = new Map<string, number>();
  for (const field of fields) if (field.alias !== undefined) taken.set(field.alias, 1);
  return fields.map((field) => {
    if (field.alias !== undefined) return field.alias;
    let name = field.generated;
    let count = taken.get(name);
    if (count !== undefined) {
      while (taken.has(`${name}_${count}`)) count++;
      taken.set(name, count + 1);
      name = `${name}_${count}`;
    }
    taken.set(name, (taken.get(name) ?? 0) + 1);
    return name;
  });
}

const numericOnly = new Set<AggregateFunction>(['mean', 'sum', 'min', 'max']);

/** The aggregate columns and the distinct known fields they read; mean/sum/min/max of text or booleans fail as in InfluxDB. */
export function aggregateColumns(
  fields: Extract<SelectField, { kind: 'aggregate' }>[],
  types: FieldTypes,
): { columns: AggregateColumn[]; fieldNames: string[] } {
  const fieldNames: string[] = [];
  const names = columnNames(fields.map((field) => ({ alias: field.alias, generated: field.fn })));
  const columns = fields.map((field, i) => {
    const type = Object.hasOwn(types, field.field) ? types[field.field] : undefined;
    if (type && type !== 'number' && numericOnly.has(field.fn)) {
      throw new StatementError(`unsupported ${field.fn} iterator type: *query.${type}InterruptIterator`);
    }
    let fieldIndex: number | null = null;
    if (type) {
      fieldIndex = fieldNames.indexOf(field.field);
      if (fieldIndex < 0) fieldIndex = fieldNames.push(field.field) - 1;
    }
    return { name: names[i] as string, fn: field.fn, fieldIndex };
  });
  return { columns, fieldNames };
}

/**
 * Raw columns: as written (a name that is not a field reads the tag of that name), or for
 * `*` every field and tag in lexical order, as InfluxDB orders them, minus the grouped tags.
 */
export function rawColumns(
  fields: Extract<SelectField, { kind: 'field' }>[] | '*',
  types: FieldTypes,
  tagKeys: string[],
  groupedTags: string[],
): RawColumn[] {
  if (fields === '*') {
    const tags = tagKeys.filter((tag) => !groupedTags.includes(tag) && !Object.hasOwn(types, tag));
    return [
      ...Object.keys(types).map((key) => ({ name: key, kind: 'field' as const, key })),
      ...tags.map((key) => ({ name: key, kind: 'tag' as const, key })),
    ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  const names = columnNames(fields.map((field) => ({ alias: field.alias, generated: field.name })));
  return fields.map((field, i) => ({
    name: names[i] as string,
    kind: Object.hasOwn(types, field.name) ? 'field' : 'tag',
    key: field.name,
  }));
}
