import { Types } from 'mongoose';
import { createBatchLookup } from '../../db/batchLookup';
import { ApiKeyModel } from './model';

/** Whether a key (by id) still exists and has not expired. */
export type KeyStatusCheck = (keyId: string) => Promise<boolean>;

/**
 * For long-lived connections that authenticated once (streams): their periodic rechecks of
 * the same moment share one `$in` read, however many connections there are.
 */
export function createKeyStatusCheck(maxTimeMS: number): KeyStatusCheck {
  const lookup = createBatchLookup(async (ids) => {
    const keys = await ApiKeyModel.collection
      .find<{ _id: Types.ObjectId; expiresAt: Date | null }>(
        { _id: { $in: ids.map((id) => new Types.ObjectId(id)) } },
        { projection: { expiresAt: 1 }, maxTimeMS },
      )
      .toArray();
    return new Map(keys.map((key) => [key._id.toHexString(), { expiresAt: key.expiresAt }]));
  });
  return async (keyId) => {
    const key = await lookup(keyId);
    return key !== null && (key.expiresAt === null || key.expiresAt.getTime() > Date.now());
  };
}
