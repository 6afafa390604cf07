import type { Types } from 'mongoose';
import { DataSourceModel, type FieldDefinition } from './model';

export interface NamedSchema {
  _id: Types.ObjectId;
  name: string;
  schema: Record<string, FieldDefinition>;
}

/** A bucket's data sources with their schemas; one being deleted is already gone. */
export const liveSourceSchemas = (bucketId: Types.ObjectId, maxTimeMS: number): Promise<NamedSchema[]> =>
  DataSourceModel.find({ bucketId, deletingAt: null }).select('name schema').maxTimeMS(maxTimeMS).lean<NamedSchema[]>();
