import { Types } from 'mongoose';
import { BucketModel } from '../buckets/model';
import { DataSourceModel } from '../sources/model';
import type { InfluxQLDatabase, InfluxQLLimits, InfluxQLMeasurement, InfluxQLPorts } from './ports';

/** The buckets a key may read: its own bucket, or for an organization-wide key all of its organization's. */
export async function databasesVisibleTo(
  key: { organizationId: string; bucketId: string | null },
  maxTimeMS: number,
): Promise<InfluxQLDatabase[]> {
  const filter = {
    organizationId: new Types.ObjectId(key.organizationId),
    deletingAt: null,
    ...(key.bucketId ? { _id: new Types.ObjectId(key.bucketId) } : {}),
  };
  return BucketModel.find(filter)
    .sort({ createdAt: 1, _id: 1 })
    .select('name retentionDays')
    .maxTimeMS(maxTimeMS)
    .lean<InfluxQLDatabase[]>();
}

/** A bucket's data sources as measurements; one being deleted is already gone. */
export async function measurementsOf(bucketId: Types.ObjectId, maxTimeMS: number): Promise<InfluxQLMeasurement[]> {
  return DataSourceModel.find({ bucketId, deletingAt: null }).select('name schema').maxTimeMS(maxTimeMS).lean<InfluxQLMeasurement[]>();
}

/** The ports a `/query` route hands runInfluxQL for a verified key. */
export function createInfluxQLPorts(key: { organizationId: string; bucketId: string | null }, limits: InfluxQLLimits): InfluxQLPorts {
  return {
    listBuckets: () => databasesVisibleTo(key, limits.maxTimeMS),
    listSources: (bucketId) => measurementsOf(bucketId, limits.maxTimeMS),
    limits,
  };
}
