import { issueKey } from '../keys/issueKey';
import { lookupHashOf } from '../keys/keyFormat';
import { ApiKeyModel } from '../keys/model';
import { OrganizationModel } from './model';

export interface BootstrapOptions {
  /** Ensure this exact admin key exists (automation), instead of printing a new one. */
  adminKey?: string;
  organizationName: string;
  bcryptRounds: number;
}

export type BootstrapResult =
  | { action: 'none' }
  | { action: 'ensured-given-key'; organizationId: string }
  | { action: 'created-organization'; organizationId: string; adminKey: string };

export async function findOrCreateOrganization(name: string) {
  const existing = await OrganizationModel.findOne({ name }).lean();
  if (existing) return existing;
  return (await OrganizationModel.create({ name })).toObject();
}

/** What `npm start` does to a database before it serves requests. */
export async function bootstrapOrganization(options: BootstrapOptions): Promise<BootstrapResult> {
  if (options.adminKey) {
    if (await ApiKeyModel.exists({ lookupHash: lookupHashOf(options.adminKey) })) return { action: 'none' };
    const organization =
      (await OrganizationModel.findOne().sort({ createdAt: 1 }).lean()) ?? (await findOrCreateOrganization(options.organizationName));
    await issueKey(
      { organizationId: organization._id, bucketId: null, type: 'admin', name: 'Bootstrap admin key', plaintext: options.adminKey },
      options.bcryptRounds,
    );
    return { action: 'ensured-given-key', organizationId: organization._id.toHexString() };
  }
  if ((await OrganizationModel.countDocuments({})) > 0) return { action: 'none' };
  const organization = await findOrCreateOrganization(options.organizationName);
  const { plaintext } = await issueKey(
    { organizationId: organization._id, bucketId: null, type: 'admin', name: 'First admin key' },
    options.bcryptRounds,
  );
  return { action: 'created-organization', organizationId: organization._id.toHexString(), adminKey: plaintext };
}
