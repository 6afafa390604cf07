import { Schema, model, type InferSchemaType, type Types } from 'mongoose';
import { collections } from '../../shared/collections';

export const fieldTypes = ['number', 'string', 'boolean'] as const;
export type FieldType = (typeof fieldTypes)[number];

export interface FieldDefinition {
  type: FieldType;
  unit?: string;
  description?: string;
}

const dataSourceSchema = new Schema(
  {
    bucketId: { type: Schema.Types.ObjectId, required: true },
    name: { type: String, required: true, maxlength: 100 },
    type: { type: String, required: true, default: 'sensor' },
    description: { type: String, default: '' },
    /** Field name → definition. Names are validated to be safe as document keys. */
    schema: { type: Schema.Types.Mixed, required: true },
    downsampling: { type: Boolean, default: true },
    status: { type: String, enum: ['active', 'inactive'], default: 'active' },
    /** Set when a delete starts: ingest refuses new points, so none outlive the source. */
    deletingAt: { type: Date, default: null },
  },
  { timestamps: true, collection: collections.dataSources, minimize: false },
);
// Enforced by real MongoDB; the embedded fallback ignores it, so the service checks too.
dataSourceSchema.index({ bucketId: 1, name: 1 }, { unique: true });

export type DataSourceRecord = Omit<InferSchemaType<typeof dataSourceSchema>, 'schema'> & {
  _id: Types.ObjectId;
  schema: Record<string, FieldDefinition>;
  createdAt: Date;
  updatedAt: Date;
};
export const DataSourceModel = model('DataSource', dataSourceSchema);
