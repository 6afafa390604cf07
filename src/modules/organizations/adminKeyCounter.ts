import type { Types } from 'mongoose';
import { OrganizationModel } from './model';

/**
 * The organization's count of admin keys is the last-admin guard's single point of truth:
 * a removal first decrements it, and only while it is above 1, in one atomic update. Two
 * concurrent removals of the last two keys cannot both pass, with no transaction.
 */
export async function countAdminKeyAdded(organizationId: Types.ObjectId): Promise<void> {
  // Organizations from before the counter existed get it on their first removal instead.
  await OrganizationModel.updateOne({ _id: organizationId, adminKeyCount: { $exists: true } }, { $inc: { adminKeyCount: 1 } });
}

/** Returns false when the removal would leave the organization without an admin key. */
export async function reserveAdminKeyRemoval(organizationId: Types.ObjectId, countAdminKeys: () => Promise<number>): Promise<boolean> {
  const missing = await OrganizationModel.exists({ _id: organizationId, adminKeyCount: { $exists: false } });
  if (missing) {
    const counted = await countAdminKeys();
    await OrganizationModel.updateOne({ _id: organizationId, adminKeyCount: { $exists: false } }, { $set: { adminKeyCount: counted } });
  }
  const reserved = await OrganizationModel.findOneAndUpdate(
    { _id: organizationId, adminKeyCount: { $gt: 1 } },
    { $inc: { adminKeyCount: -1 } },
    { projection: { _id: 1 } },
  ).lean();
  return reserved !== null;
}

/** Gives back a reservation whose removal did not happen (the key was already gone). */
export async function releaseAdminKeyRemoval(organizationId: Types.ObjectId): Promise<void> {
  await OrganizationModel.updateOne({ _id: organizationId }, { $inc: { adminKeyCount: 1 } });
}
