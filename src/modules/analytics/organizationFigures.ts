import mongoose, { Types } from 'mongoose';
import { collections } from '../../shared/collections';

/**
 * Counts over an organization's data, read-only, through the shared collection names (as a
 * bucket's stats are): analytics reports on every module's data and owns none of it.
 */
const collection = (name: string) => mongoose.connection.collection(name);
const dayMs = 24 * 60 * 60 * 1000;
/** Points sampled to estimate the average stored size of a point. */
const storageSample = 200;

export interface OrganizationFigures {
  totals: { buckets: number; dataSources: number; dataPoints: number; alertRules: number; apiKeys: number };
  storageUsedBytes: number;
  lastDataIngestion: Date | null;
  lastAlertTriggered: Date | null;
  dataPointsLast24h: number;
  alertsTriggeredLast24h: number;
}

/**
 * The average BSON size of the newest `storageSample` points. Times the count, it estimates
 * the stored size (indexes and storage overhead are not counted), the same way on every
 * database, where collection statistics are not.
 */
async function averagePointSize(inBuckets: object, maxTimeMS: number): Promise<number> {
  const sample = await collection(collections.dataPoints).find(inBuckets, { maxTimeMS }).sort({ _id: -1 }).limit(storageSample).toArray();
  return sample.reduce((sum, point) => sum + mongoose.mongo.BSON.calculateObjectSize(point), 0) / Math.max(1, sample.length);
}

export async function organizationFigures(organizationId: string, now: Date, maxTimeMS: number): Promise<OrganizationFigures> {
  const organization = new Types.ObjectId(organizationId);
  const buckets = await collection(collections.buckets)
    .find({ organizationId: organization, deletingAt: null }, { projection: { _id: 1 }, maxTimeMS })
    .toArray();
  const inBuckets = { bucketId: { $in: buckets.map((bucket) => bucket._id) } };
  const since = new Date(now.getTime() - dayMs);
  // Every read at once: each is a round trip of its own, and none needs another's answer.
  const [
    dataSources,
    dataPoints,
    alertRules,
    apiKeys,
    dataPointsLast24h,
    alertsTriggeredLast24h,
    [newestPoint],
    [lastTriggered],
    pointSize,
  ] = await Promise.all([
    collection(collections.dataSources).countDocuments(inBuckets, { maxTimeMS }),
    collection(collections.dataPoints).countDocuments(inBuckets, { maxTimeMS }),
    collection(collections.alertRules).countDocuments(inBuckets, { maxTimeMS }),
    collection(collections.apiKeys).countDocuments({ organizationId: organization }, { maxTimeMS }),
    collection(collections.dataPoints).countDocuments({ ...inBuckets, createdAt: { $gte: since } }, { maxTimeMS }),
    collection(collections.webhookDeliveries).countDocuments(
      { organizationId: organization, type: 'alert.triggered', createdAt: { $gte: since } },
      { maxTimeMS },
    ),
    collection(collections.dataPoints)
      .find(inBuckets, { projection: { createdAt: 1 }, maxTimeMS })
      .sort({ createdAt: -1 })
      .limit(1)
      .toArray(),
    collection(collections.alertRules)
      .find({ ...inBuckets, lastTriggeredAt: { $ne: null } }, { projection: { lastTriggeredAt: 1 }, maxTimeMS })
      .sort({ lastTriggeredAt: -1 })
      .limit(1)
      .toArray(),
    averagePointSize(inBuckets, maxTimeMS),
  ]);
  return {
    totals: { buckets: buckets.length, dataSources, dataPoints, alertRules, apiKeys },
    storageUsedBytes: Math.round(pointSize * dataPoints),
    lastDataIngestion: (newestPoint?.createdAt as Date | undefined) ?? null,
    lastAlertTriggered: (lastTriggered?.lastTriggeredAt as Date | undefined) ?? null,
    dataPointsLast24h,
    alertsTriggeredLast24h,
  };
}
