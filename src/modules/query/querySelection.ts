import { Types, type mongo } from 'mongoose';
import { DomainError } from '../../shared/errors';
import type { BucketRecord } from '../buckets/model';
import { retentionCutoff } from '../points/retention';
import { DataSourceModel, type DataSourceRecord } from '../sources/model';
import type { QueryBody } from './schemas';

type Document = mongo.Document;

export type SourceSettings = Pick<DataSourceRecord, '_id' | 'downsampling' | 'schema'>;

/** The requested data sources (all of the bucket's when none are named); any unknown one is a 404. */
export async function resolveSources(bucket: BucketRecord, body: QueryBody, maxTimeMS: number): Promise<SourceSettings[]> {
  const requested = body.dataSourceId ? [body.dataSourceId] : body.dataSourceIds;
  const filter = requested
    ? { bucketId: bucket._id, _id: { $in: requested.map((id) => new Types.ObjectId(id)) } }
    : { bucketId: bucket._id };
  const sources = await DataSourceModel.find(filter).select('downsampling schema').maxTimeMS(maxTimeMS).lean<SourceSettings[]>();
  if (requested && sources.length !== new Set(requested.map((id) => id.toLowerCase())).size) {
    throw new DomainError('DATA_SOURCE_NOT_FOUND');
  }
  return sources;
}

/** Points older than the bucket's retention are never returned, even before the retention job removed them. */
export function pointFilter(bucket: BucketRecord, sources: SourceSettings[], body: QueryBody): Document {
  const { startTime, endTime, metadata } = body.filters;
  const cutoff = retentionCutoff(bucket.retentionDays);
  const from = startTime && startTime > cutoff ? startTime : cutoff;
  return {
    bucketId: bucket._id,
    dataSourceId: { $in: sources.map((source) => source._id) },
    timestamp: { $gte: from, ...(endTime ? { $lt: endTime } : {}) },
    ...Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [`metadata.${key}`, value])),
  };
}

/** Fields declared as numbers by any requested data source, narrowed to `fields` when given. */
export function numericFieldsOf(sources: SourceSettings[], fields: string[] | undefined): string[] {
  const declared = new Set(
    sources.flatMap((source) =>
      Object.entries(source.schema)
        .filter(([, definition]) => definition.type === 'number')
        .map(([name]) => name),
    ),
  );
  return [...declared].filter((name) => !fields || fields.includes(name)).sort();
}
