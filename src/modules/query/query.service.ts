import type { BucketRecord } from '../buckets/model';
import { aggregatePoints } from './aggregatePoints';
import { findPoints, summarizePoints } from './findPoints';
import { downsamplingInterval, intervalCount, maxPointsBeforeDownsampling } from './intervals';
import { toAggregatedPoint, toQueriedPoint } from './presenters';
import { tooManyIntervals, type QueryLimits } from './queryLimits';
import { numericFieldsOf, pointFilter, resolveSources } from './querySelection';
import type { Aggregation, Interval, QueryBody } from './schemas';

type Summary = Awaited<ReturnType<typeof summarizePoints>>;

/**
 * The range an interval grouping covers: the requested bounds, else the matching points'
 * span, which is read only when a bound is missing.
 */
async function rangeOf(body: QueryBody, summarize: () => Promise<Summary>): Promise<{ start: Date; end: Date } | null> {
  const { startTime, endTime } = body.filters;
  if (startTime && endTime) return { start: startTime, end: endTime };
  const summary = await summarize();
  const start = startTime ?? summary.first;
  const end = endTime ?? (summary.last ? new Date(summary.last.getTime() + 1) : undefined);
  return start && end ? { start, end } : null;
}

/**
 * A query's story: resolve the data sources, then either aggregate as asked (refusing more
 * intervals than the limit), auto-downsample a large raw range, or return the raw page.
 * Every database step is bounded by the query time limit, and responses by a byte limit.
 */
export async function queryPoints(bucket: BucketRecord, body: QueryBody, limits: QueryLimits) {
  const { filters } = body;
  const sources = await resolveSources(bucket, body, limits.maxTimeMS);
  const filter = pointFilter(bucket, sources, body);
  const page = { order: filters.order, limit: filters.limit, offset: filters.offset };
  const groupBy = body.groupBy ?? filters.groupBy;
  const explicitAggregation = body.aggregation ?? filters.aggregation;
  let summary: Summary | undefined;
  const summarize = async () => (summary ??= await summarizePoints(filter, limits.maxTimeMS));

  const aggregated = async (aggregation: Aggregation, interval: Interval | undefined, downsamplingApplied: boolean) => {
    const numericFields = numericFieldsOf(sources, filters.fields);
    const { rows, total } = await aggregatePoints({ filter, aggregation, groupBy: interval, numericFields, ...page }, limits);
    return {
      data: rows.map(toAggregatedPoint),
      metadata: {
        count: rows.length,
        total,
        hasMore: filters.offset + rows.length < total,
        aggregation,
        groupBy: interval,
        downsamplingApplied,
      },
    };
  };

  if (explicitAggregation || groupBy) {
    if (groupBy) {
      const range = await rangeOf(body, summarize);
      const intervals = range ? intervalCount(groupBy, range.start, range.end) : 0;
      if (intervals > limits.maxIntervals) throw tooManyIntervals(groupBy, intervals, limits.maxIntervals);
    }
    return aggregated(explicitAggregation ?? 'avg', groupBy, false);
  }

  const { total } = await summarize();
  const mayDownsample = sources.length > 0 && sources.every((source) => source.downsampling);
  const range = await rangeOf(body, summarize);
  if (mayDownsample && total > maxPointsBeforeDownsampling && range) {
    return aggregated('avg', downsamplingInterval(range.start, range.end), true);
  }
  const points = await findPoints({ filter, fields: filters.fields, ...page }, limits);
  return {
    data: points.map(toQueriedPoint),
    metadata: { count: points.length, total, hasMore: filters.offset + points.length < total, downsamplingApplied: false },
  };
}
