import { bucketsVisibleTo } from '../buckets/visibleBuckets';
import { liveSourceSchemas } from '../sources/liveSourceSchemas';
import type { InfluxQLLimits, InfluxQLPorts } from './ports';

/** The ports a `/query` route hands runInfluxQL for a verified key: databases are the buckets it may read. */
export function createInfluxQLPorts(key: { organizationId: string; bucketId: string | null }, limits: InfluxQLLimits): InfluxQLPorts {
  return {
    listBuckets: () => bucketsVisibleTo(key, limits.maxTimeMS),
    listSources: (bucketId) => liveSourceSchemas(bucketId, limits.maxTimeMS),
    limits,
  };
}
