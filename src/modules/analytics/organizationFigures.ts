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
 * Stored size of the points: their count times the average BSON size of the newest
 * `storageSample` points. An estimate (indexes and storage overhead are not counted), but
 * the same on every database, where collection statistics are not.
 */
async function storageEstimate(inBuckets: object, dataPoints: number): Promise<number> {
  if (dataPoints === 0) return 0;
  const sample = await collection(collections.dataPoints).find(inBuckets).sort({ _id: -1 }).limit(storageSample).toArray();
  const average = sample.reduce((sum, point) => sum + mongoose.mongo.BSON.calculateObjectSize(point), 0) / Math.max(1, sample.length);
  return Math.round(average * dataPoints);
}

export async function organizationFigures(organizationId: string, now: Date, maxTimeMS: number): Promise<OrganizationFigures> {
  const organization = new Types.ObjectId(organizationId);
  const buckets = await collection(collections.buckets)
    .find({ organizationId: organization, deletingAt: null }, { projection: { _id: 1 }, maxTimeMS })
    .toArray();
  const inBuckets = { bucketId: { $in: buckets.map((bucket) => bucket._id) } };
  const since = new Date(now.getTime() - dayMs);
  const [dataSources, dataPoints, alertRules, apiKeys, dataPointsLast24h, alertsTriggeredLast24h] = await Promise.all([
    collection(collections.dataSources).countDocuments(inBuckets, { maxTimeMS }),
    collection(collections.dataPoints).countDocuments(inBuckets, { maxTimeMS }),
    collection(collections.alertRules).countDocuments(inBuckets, { maxTimeMS }),
    collection(collections.apiKeys).countDocuments({ organizationId: organization }, { maxTimeMS }),
    collection(collections.dataPoints).countDocuments({ ...inBuckets, createdAt: { $gte: since } }, { maxTimeMS }),
    collection(collections.webhookDeliveries).countDocuments(
      { organizationId: organization, type: 'alert.triggered', createdAt: { $gte: since } },
      { maxTimeMS },
    ),
  ]);
  const [newestPoint] = await collection(collections.dataPoints)
    .find(inBuckets, { projection: { createdAt: 1 }, maxTimeMS })
    .sort({ createdAt: -1 })
    .limit(1)
    .toArray();
  const [lastTriggered] = await collection(collections.alertRules)
    .find({ ...inBuckets, lastTriggeredAt: { $ne: null } }, { projection: { lastTriggeredAt: 1 }, maxTimeMS })
    .sort({ lastTriggeredAt: -1 })
    .limit(1)
    .toArray();
  return {
    totals: { buckets: buckets.length, dataSources, dataPoints, alertRules, apiKeys },
    storageUsedBytes: await storageEstimate(inBuckets, dataPoints),
    lastDataIngestion: (newestPoint?.createdAt as Date | undefined) ?? null,
    lastAlertTriggered: (lastTriggered?.lastTriggeredAt as Date | undefined) ?? null,
    dataPointsLast24h,
    alertsTriggeredLast24h,
  };
}
