/** The InfluxQL subset of api.md §12, as the parser hands it to the executor. */

export const aggregateFunctions = ['mean', 'min', 'max', 'sum', 'count', 'first', 'last'] as const;
export type AggregateFunction = (typeof aggregateFunctions)[number];

/** `db.rp.m`, `rp.m` or `m`; the database and retention policy only when written. */
export interface MeasurementRef {
  database?: string;
  retentionPolicy?: string;
  name: string;
}

export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=' | '=~' | '!~';

/** Times are nanoseconds since the epoch, as InfluxDB counts them (beyond 2^53, hence bigint). */
export type Operand =
  | { kind: 'identifier'; name: string }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'integer'; value: bigint }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'duration'; nanoseconds: bigint }
  | { kind: 'regex'; pattern: string }
  | { kind: 'now' }
  | { kind: 'arithmetic'; operator: '+' | '-'; left: Operand; right: Operand };

export type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'comparison'; operator: ComparisonOperator; left: Operand; right: Operand };

export type SelectField =
  | { kind: 'aggregate'; fn: AggregateFunction; field: string; alias?: string }
  | { kind: 'field'; name: string; alias?: string };

export type Fill = { kind: 'null' } | { kind: 'none' } | { kind: 'previous' } | { kind: 'value'; value: number };

export interface SelectStatement {
  kind: 'select';
  /** `*` selects every field and tag. */
  fields: SelectField[] | '*';
  from: MeasurementRef;
  where?: Condition;
  groupBy: {
    time?: { intervalNs: bigint; offsetNs: bigint };
    /** `*` groups by every tag key. */
    tags: string[] | '*';
  };
  fill: Fill;
  order: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

export type TagKeySelector =
  | { kind: 'equals'; keys: string[] }
  | { kind: 'notEquals'; key: string }
  | { kind: 'regex'; pattern: string; negated: boolean };

export type ShowStatement =
  | { kind: 'showDatabases' }
  | { kind: 'showRetentionPolicies'; database?: string }
  | {
      kind: 'showMeasurements';
      database?: string;
      measurement?: { operator: '=' | '!=' | '=~' | '!~'; value: string };
      where?: Condition;
      limit?: number;
      offset?: number;
    }
  | { kind: 'showFieldKeys'; database?: string; from?: MeasurementRef; limit?: number; offset?: number }
  | { kind: 'showTagKeys'; database?: string; from?: MeasurementRef; where?: Condition; limit?: number; offset?: number }
  | {
      kind: 'showTagValues';
      database?: string;
      from?: MeasurementRef;
      keys: TagKeySelector;
      where?: Condition;
      limit?: number;
      offset?: number;
    };

export type Statement = SelectStatement | ShowStatement;

/** One statement of `q`: parsed, or the InfluxDB-style message of why not. */
export type ParsedStatement = { ok: true; statement: Statement } | { ok: false; error: string };
