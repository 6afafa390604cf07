import mongoose from 'mongoose';
import { collections } from '../../shared/collections';

export type PointsLayout = 'timeseries' | 'standard';

/**
 * MongoDB 7.0 is where time-series collections accept deletes and updates on any field,
 * which retention and delete-by-range need. CongoDB also claims 7.0 and silently creates a
 * plain collection: that is fine, because every query is written to work on both layouts.
 */
const timeSeriesSince = [7, 0];

async function serverSupportsTimeSeries(): Promise<boolean> {
  const info = await mongoose.connection.db!.admin().command({ buildInfo: 1 });
  const version = (info.versionArray as number[] | undefined) ?? [];
  const [major = 0, minor = 0] = version;
  return major > timeSeriesSince[0]! || (major === timeSeriesSince[0] && minor >= timeSeriesSince[1]!);
}

/**
 * Creates the points collection before anything else can create it implicitly: as a
 * time-series collection (time field `timestamp`, meta field `bucketId`) where the server
 * supports it, otherwise as a normal collection. An existing collection is kept as it is.
 */
export async function preparePointsCollection(): Promise<PointsLayout> {
  const db = mongoose.connection.db!;
  const [existing] = await db.listCollections({ name: collections.dataPoints }).toArray();
  if (existing) return existing.type === 'timeseries' ? 'timeseries' : 'standard';
  if (await serverSupportsTimeSeries()) {
    try {
      await db.createCollection(collections.dataPoints, {
        timeseries: { timeField: 'timestamp', metaField: 'bucketId', granularity: 'seconds' },
      });
      return 'timeseries';
    } catch {
      // A server or permission that refuses the option gets a normal collection.
    }
  }
  await db.createCollection(collections.dataPoints).catch(() => undefined);
  return 'standard';
}
