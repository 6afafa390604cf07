import { Types } from 'mongoose';
import { createBatchLookup, type BatchLookup } from '../../db/batchLookup';
import { DataSourceModel, type DataSourceRecord } from './model';

export type SourceSchema = Pick<DataSourceRecord, '_id' | 'bucketId' | 'schema' | 'deletingAt'>;

/** Data source schemas by hex id, for ingest: read fresh per request, coalesced under load. */
export const createSourceLookup = (maxTimeMS: number): BatchLookup<SourceSchema> =>
  createBatchLookup(async (ids) => {
    const sources = await DataSourceModel.collection
      .find<SourceSchema>(
        { _id: { $in: ids.map((id) => new Types.ObjectId(id)) } },
        { projection: { bucketId: 1, schema: 1, deletingAt: 1 }, maxTimeMS },
      )
      .toArray();
    return new Map(sources.map((source) => [source._id.toHexString(), source]));
  });
