import { Types, type mongo } from 'mongoose';
import { DomainError } from '../../shared/errors';
import type { BucketRecord } from '../buckets/model';
import { DataSourceModel, type DataSourceRecord } from '../sources/model';
import { aggregatePoints } from './aggregatePoints';
import { findPoints, summarizePoints } from './findPoints';
import { downsamplingInterval, maxPointsBeforeDownsampling } from './intervals';
import { toAggregatedPoint, toQueriedPoint } from './presenters';
import type { Aggregation, Interval, QueryBody } from './query.schemas';
import { retentionCutoff } from './retention';

type Document = mongo.Document;

type SourceSettings = Pick<DataSourceRecord, '_id' | 'downsampling' | 'schema'>;

/** The requested data sources (all of the bucket's when none are named); any unknown one is a 404. */
async function resolveSources(bucket: BucketRecord, body: QueryBody): Promise<SourceSettings[]> {
  const requested = body.dataSourceId ? [body.dataSourceId] : body.dataSourceIds;
  const filter = requested
    ? { bucketId: bucket._id, _id: { $in: requested.map((id) => new Types.ObjectId(id)) } }
    : { bucketId: bucket._id };
  const sources = await DataSourceModel.find(filter).select('downsampling schema').lean<SourceSettings[]>();
  if (requested && sources.length !== new Set(requested.map((id) => id.toLowerCase())).size) {
    throw new DomainError('DATA_SOURCE_NOT_FOUND');
  }
  return sources;
}

/** Points older than the bucket's retention are never returned, even before the retention job removed them. */
function pointFilter(bucket: BucketRecord, sources: SourceSettings[], body: QueryBody): Document {
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
function numericFieldsOf(sources: SourceSettings[], fields: string[] | undefined): string[] {
  const declared = new Set(
    sources.flatMap((source) => Object.entries(source.schema).filter(([, definition]) => definition.type === 'number').map(([name]) => name)),
  );
  return [...declared].filter((name) => !fields || fields.includes(name)).sort();
}

export async function queryPoints(bucket: BucketRecord, body: QueryBody) {
  const { filters } = body;
  const sources = await resolveSources(bucket, body);
  const filter = pointFilter(bucket, sources, body);
  const page = { order: filters.order, limit: filters.limit, offset: filters.offset };
  const groupBy = body.groupBy ?? filters.groupBy;
  const explicitAggregation = body.aggregation ?? filters.aggregation;

  const aggregated = async (aggregation: Aggregation, interval: Interval | undefined, downsamplingApplied: boolean) => {
    const { rows, total } = await aggregatePoints({ filter, aggregation, groupBy: interval, numericFields: numericFieldsOf(sources, filters.fields), ...page });
    return {
      data: rows.map(toAggregatedPoint),
      metadata: { count: rows.length, total, hasMore: filters.offset + rows.length < total, aggregation, groupBy: interval, downsamplingApplied },
    };
  };

  if (explicitAggregation || groupBy) return aggregated(explicitAggregation ?? 'avg', groupBy, false);

  const summary = await summarizePoints(filter);
  const mayDownsample = sources.length > 0 && sources.every((source) => source.downsampling);
  if (mayDownsample && summary.total > maxPointsBeforeDownsampling && summary.first && summary.last) {
    const start = filters.startTime ?? summary.first;
    const end = filters.endTime ?? new Date(summary.last.getTime() + 1);
    return aggregated('avg', downsamplingInterval(start, end), true);
  }
  const points = await findPoints({ filter, fields: filters.fields, ...page });
  return {
    data: points.map(toQueriedPoint),
    metadata: { count: points.length, total: summary.total, hasMore: filters.offset + points.length < summary.total, downsamplingApplied: false },
  };
}
