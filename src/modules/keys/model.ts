import { Schema, model, type InferSchemaType, type Types } from 'mongoose';
import { collections } from '../../shared/collections';
import { allScopes, keyTypes } from './scopes';

const apiKeySchema = new Schema(
  {
    organizationId: { type: Schema.Types.ObjectId, required: true },
    /** Null for admin keys, which reach the whole organization. */
    bucketId: { type: Schema.Types.ObjectId, default: null },
    name: { type: String, required: true, maxlength: 100 },
    type: { type: String, enum: keyTypes, required: true },
    keyPrefix: { type: String, required: true },
    lookupHash: { type: String, required: true },
    keyHash: { type: String, required: true },
    scopes: { type: [String], enum: allScopes, default: undefined },
    expiresAt: { type: Date, default: null },
    lastUsedAt: { type: Date, default: null },
  },
  { timestamps: true, collection: collections.apiKeys },
);
apiKeySchema.index({ lookupHash: 1 }, { unique: true });
apiKeySchema.index({ organizationId: 1, bucketId: 1, type: 1 });

export type ApiKeyRecord = InferSchemaType<typeof apiKeySchema> & {
  _id: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
};
export const ApiKeyModel = model('ApiKey', apiKeySchema);
