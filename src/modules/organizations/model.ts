import { Schema, model, type InferSchemaType, type HydratedDocument } from 'mongoose';
import { collections } from '../../shared/collections';

const organizationSchema = new Schema(
  {
    name: { type: String, required: true, maxlength: 100 },
    /** Maintained with every admin key issued and removed: see adminKeyCounter.ts. */
    adminKeyCount: { type: Number, default: 0 },
  },
  { timestamps: true, collection: collections.organizations },
);
organizationSchema.index({ name: 1 }, { unique: true });

export type Organization = HydratedDocument<InferSchemaType<typeof organizationSchema>>;
export const OrganizationModel = model('Organization', organizationSchema);
