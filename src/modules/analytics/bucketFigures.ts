import mongoose, { type Types } from 'mongoose';
import { withinQueryTime } from '../../db/queryTimeLimit';
import { collections } from '../../shared/collections';

/** Read-only figures of one bucket, through the shared collection names (analytics owns none of the data). */
const collection = (name: string) => mongoose.connection.collection(name);
type Document = mongoose.mongo.Document;

const aggregate = (name: string, pipeline: Document[], maxTimeMS: number) =>
  withinQueryTime(maxTimeMS, (ms) => collection(name).aggregate(pipeline, { maxTimeMS: ms, allowDiskUse: true }).toArray());

/** A field name as a key of the `$group` stage (no dots, no `$`): field names are schema names, so they are safe. */
const statKey = (stat: 'avg' | 'min' | 'max', field: string) => `${stat}_${field}`;

/** Per data source, over all stored points: how many, and the newest timestamp. */
export const pointTotalsBySource = (bucketId: Types.ObjectId, maxTimeMS: number) =>
  aggregate(
    collections.dataPoints,
    [{ $match: { bucketId } }, { $group: { _id: '$dataSourceId', count: { $sum: 1 }, last: { $max: '$timestamp' } } }],
    maxTimeMS,
  );

/** Per data source, over points whose timestamp is in the period: count and avg/min/max of each numeric field. */
export async function periodStatsBySource(bucketId: Types.ObjectId, since: Date, numericFields: string[], maxTimeMS: number) {
  const group: Document = { _id: '$dataSourceId', count: { $sum: 1 } };
  for (const field of numericFields) {
    for (const stat of ['avg', 'min', 'max'] as const) group[statKey(stat, field)] = { [`$${stat}`]: `$values.${field}` };
  }
  const rows = await aggregate(
    collections.dataPoints,
    [{ $match: { bucketId, timestamp: { $gte: since } } }, { $group: group }],
    maxTimeMS,
  );
  return rows.map((row) => {
    const pick = (stat: 'avg' | 'min' | 'max') =>
      Object.fromEntries(
        numericFields.flatMap((field) => (typeof row[statKey(stat, field)] === 'number' ? [[field, row[statKey(stat, field)]]] : [])),
      );
    return { sourceId: String(row._id), count: row.count as number, avg: pick('avg'), min: pick('min'), max: pick('max') };
  });
}

/** Points received per hour (their createdAt), oldest hour first. */
export async function receivedPerHour(bucketId: Types.ObjectId, since: Date, maxTimeMS: number) {
  const rows = await aggregate(
    collections.dataPoints,
    [
      { $match: { bucketId, createdAt: { $gte: since } } },
      { $group: { _id: { $dateTrunc: { date: '$createdAt', unit: 'hour' } }, count: { $sum: 1 } } },
      { $sort: { _id: 1 } },
    ],
    maxTimeMS,
  );
  return rows.map((row) => ({ hour: (row._id as Date).toISOString(), count: row.count as number }));
}

/** Triggered alerts per rule in the period, from the recorded alert events (the deliveries they made). */
export async function triggeredByRule(bucketId: Types.ObjectId, since: Date, maxTimeMS: number) {
  const rows = await aggregate(
    collections.webhookDeliveries,
    [
      { $match: { bucketId, type: 'alert.triggered', createdAt: { $gte: since } } },
      { $group: { _id: '$alertRuleId', count: { $sum: 1 } } },
    ],
    maxTimeMS,
  );
  return new Map(rows.map((row) => [String(row._id), row.count as number]));
}

export const sourcesOf = (bucketId: Types.ObjectId, maxTimeMS: number) =>
  collection(collections.dataSources)
    .find({ bucketId, deletingAt: null }, { projection: { name: 1, schema: 1 }, maxTimeMS })
    .sort({ createdAt: 1, _id: 1 })
    .toArray();

export const alertRulesOf = (bucketId: Types.ObjectId, maxTimeMS: number) =>
  collection(collections.alertRules)
    .find({ bucketId }, { projection: { name: 1, status: 1 }, maxTimeMS })
    .toArray();
