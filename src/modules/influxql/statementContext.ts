import { retentionCutoff } from '../points/retention';
import type { InfluxQLDatabase, InfluxQLInput, InfluxQLMeasurement, InfluxQLPorts } from './ports';
import { StatementError } from './statementError';

/** What every statement of one request shares: its clock, and the databases and measurements read once. */
export interface StatementContext {
  input: InfluxQLInput;
  ports: InfluxQLPorts;
  nowNs: bigint;
  /** The named database, else the request's; a statement without one fails as InfluxDB's do. */
  database(name?: string): Promise<InfluxQLDatabase>;
  /** The database's measurements, sorted by name. */
  measurements(database: InfluxQLDatabase): Promise<InfluxQLMeasurement[]>;
  /** Points older than the bucket's retention are never answered, even before the retention job removed them. */
  oldestVisible(database: InfluxQLDatabase): Date;
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function createStatementContext(input: InfluxQLInput, ports: InfluxQLPorts): StatementContext {
  let buckets: Promise<InfluxQLDatabase[]> | undefined;
  const measurementsByBucket = new Map<string, Promise<InfluxQLMeasurement[]>>();
  const names = (database: InfluxQLDatabase, name: string) => database.name === name || database._id.toHexString() === name;
  return {
    input,
    ports,
    nowNs: BigInt(input.now.getTime()) * 1_000_000n,
    async database(name) {
      if (name === undefined) {
        if (!input.bucket) throw new StatementError('database name required');
        return input.bucket;
      }
      if (input.bucket && names(input.bucket, name)) return input.bucket;
      buckets ??= ports.listBuckets();
      const found = (await buckets).find((database) => names(database, name));
      if (!found) throw new StatementError(`database not found: ${name}`);
      return found;
    },
    measurements(database) {
      const key = database._id.toHexString();
      let measurements = measurementsByBucket.get(key);
      if (!measurements) {
        measurements = ports.listSources(database._id).then((sources) => [...sources].sort(byName));
        measurementsByBucket.set(key, measurements);
      }
      return measurements;
    },
    oldestVisible: (database) => retentionCutoff(database.retentionDays, input.now.getTime()),
  };
}
