import { Schema, model, type Types } from 'mongoose';
import { collections } from '../../shared/collections';

export type FieldValue = number | string | boolean;

export interface DataPointRecord {
  _id: Types.ObjectId;
  bucketId: Types.ObjectId;
  dataSourceId: Types.ObjectId;
  timestamp: Date;
  values: Record<string, FieldValue>;
  metadata: Record<string, FieldValue>;
  createdAt: Date;
}

// Points are written with the driver's insertMany (no per-document mongoose work on the
// ingest path); the schema exists for the index and for reads.
const dataPointSchema = new Schema(
  {
    bucketId: { type: Schema.Types.ObjectId, required: true },
    dataSourceId: { type: Schema.Types.ObjectId, required: true },
    timestamp: { type: Date, required: true },
    values: { type: Schema.Types.Mixed, required: true },
    metadata: { type: Schema.Types.Mixed, default: {} },
    createdAt: { type: Date, required: true },
  },
  { collection: collections.dataPoints, versionKey: false, minimize: false, autoCreate: false },
);
dataPointSchema.index({ bucketId: 1, dataSourceId: 1, timestamp: 1 });

export const DataPointModel = model('DataPoint', dataPointSchema);
