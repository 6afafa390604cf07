import { Schema, model, type InferSchemaType, type Types } from 'mongoose';
import { collections } from '../../shared/collections';

const bucketSchema = new Schema(
  {
    organizationId: { type: Schema.Types.ObjectId, required: true },
    name: { type: String, required: true, maxlength: 100 },
    description: { type: String, default: '' },
    retentionDays: { type: Number, required: true, min: 1, max: 3650, default: 365 },
    /** Set when a delete starts: ingest refuses new points, so none outlive the bucket. */
    deletingAt: { type: Date, default: null },
  },
  { timestamps: true, collection: collections.buckets },
);
// Enforced by real MongoDB; the embedded fallback ignores it, so the service checks too.
bucketSchema.index({ organizationId: 1, name: 1 }, { unique: true });

export type BucketRecord = InferSchemaType<typeof bucketSchema> & {
  _id: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
};
export const BucketModel = model('Bucket', bucketSchema);
