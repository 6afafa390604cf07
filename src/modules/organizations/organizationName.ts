import { OrganizationModel } from './model';

/** The organization's name, or '' if it is gone: what other modules may know of an organization. */
export async function organizationName(organizationId: string, maxTimeMS: number): Promise<string> {
  const organization = await OrganizationModel.findById(organizationId).select('name').maxTimeMS(maxTimeMS).lean();
  return organization?.name ?? '';
}
