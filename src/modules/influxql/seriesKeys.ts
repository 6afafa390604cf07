import type { mongo } from 'mongoose';
import { isStoredTagKey } from './conditionFilter';
import { aggregatePoints } from './pointFilter';

type Document = mongo.Document;

/** A tag's value as text, '' when the point lacks it (InfluxDB's empty tag). */
export const tagValueExpression = (key: string): Document =>
  isStoredTagKey(key) ? { $ifNull: [{ $toString: `$metadata.${key}` }, ''] } : { $literal: '' };

/** The `_id` part that puts points of one tag combination in one series. */
export const seriesKeyExpression = (tagKeys: string[]): Document =>
  tagKeys.length === 0 ? { $literal: [] } : tagKeys.map(tagValueExpression);

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Series order: by tag values, grouped keys sorted by name (InfluxDB's series key order). */
export function compareSeries(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) {
    const order = compareText(a[i] ?? '', b[i] ?? '');
    if (order !== 0) return order;
  }
  return 0;
}

export const tagsObject = (tagKeys: string[], values: string[]): Record<string, string> =>
  Object.fromEntries(tagKeys.map((key, i) => [key, values[i] ?? '']));

/** The tag keys the matching points carry, read in MongoDB (for `SELECT *` and `GROUP BY *`). */
export async function tagKeysOf(filter: Document, limits: { maxTimeMS: number; maxPoints: number }): Promise<string[]> {
  const keys = await aggregatePoints(
    [
      { $match: filter },
      { $project: { tag: { $objectToArray: '$metadata' } } },
      { $unwind: '$tag' },
      { $group: { _id: '$tag.k' } },
      { $limit: limits.maxPoints + 1 },
    ],
    limits.maxTimeMS,
  );
  return keys.map((key) => String(key._id)).sort(compareText);
}
