import mongoose, { Types } from 'mongoose';
import { collections } from '../../shared/collections';

/**
 * Per organization and UTC month, the API calls the instances counted. Each flush adds with
 * `$inc`; several documents for one month (instances racing to create it where no unique
 * index is enforced) still add up, because reads sum them.
 */
interface UsageRecord {
  organizationId: Types.ObjectId;
  /** `YYYY-MM`, UTC. */
  month: string;
  apiCalls: number;
}

const usage = () => mongoose.connection.collection<UsageRecord>(collections.usage);

export const monthOf = (at: Date): string => at.toISOString().slice(0, 7);

export async function addApiCalls(counts: { organizationId: string; month: string; calls: number }[]): Promise<void> {
  if (counts.length === 0) return;
  await usage().bulkWrite(
    counts.map(({ organizationId, month, calls }) => ({
      updateOne: {
        filter: { organizationId: new Types.ObjectId(organizationId), month },
        update: { $inc: { apiCalls: calls } },
        upsert: true,
      },
    })),
    { ordered: false },
  );
}

export async function storedApiCalls(organizationId: string, month: string): Promise<number> {
  const records = await usage()
    .find({ organizationId: new Types.ObjectId(organizationId), month }, { projection: { apiCalls: 1 } })
    .toArray();
  return records.reduce((sum, record) => sum + record.apiCalls, 0);
}
