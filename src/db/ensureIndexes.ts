import mongoose from 'mongoose';
import { preparePointsCollection, type PointsLayout } from '../modules/points/pointsCollection';

/**
 * Collections and indexes are created explicitly after connecting, because commands are
 * not buffered; the points collection first, so its layout is chosen before an index
 * build could create it as a plain collection.
 */
export async function ensureIndexes(): Promise<{ pointsLayout: PointsLayout }> {
  const pointsLayout = await preparePointsCollection();
  await Promise.all(Object.values(mongoose.models).map((model) => model.createIndexes()));
  return { pointsLayout };
}
