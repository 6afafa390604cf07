import type { Types } from 'mongoose';
import type { FieldType } from '../sources/model';

/** A bucket as a database: named by its name (or id), points kept for its retention. */
export interface InfluxQLDatabase {
  _id: Types.ObjectId;
  name: string;
  retentionDays: number;
}

/** A data source as a measurement: its schema's fields are the measurement's fields. */
export interface InfluxQLMeasurement {
  _id: Types.ObjectId;
  name: string;
  schema: Record<string, { type: FieldType }>;
}

export type FieldTypes = Record<string, FieldType>;

export interface InfluxQLLimits {
  /** Per database operation (each statement runs a few). */
  maxTimeMS: number;
  /** Rows one statement may answer: raw points, or intervals × series; more is that statement's error. */
  maxPoints: number;
}

/** What other modules own and the executor needs. */
export interface InfluxQLPorts {
  /** The buckets the key may see, for SHOW DATABASES and `FROM "db"."rp"."m"`. */
  listBuckets(): Promise<InfluxQLDatabase[]>;
  listSources(bucketId: Types.ObjectId): Promise<InfluxQLMeasurement[]>;
  limits: InfluxQLLimits;
}

export type Epoch = 'ns' | 'u' | 'µ' | 'ms' | 's' | 'm' | 'h';

export interface InfluxQLInput {
  q: string;
  epoch?: Epoch;
  /** The bucket `db` names; null when the request names none. */
  bucket: InfluxQLDatabase | null;
  now: Date;
}

export type Cell = string | number | boolean | null;

export interface Series {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values: Cell[][];
}

export interface StatementResult {
  statement_id: number;
  series?: Series[];
  error?: string;
}
