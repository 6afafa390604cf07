import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import { ConfigError, loadConfig } from '../src/config';
import { connectMongoose } from '../src/db/connectMongoose';
import { ensureIndexes } from '../src/db/ensureIndexes';
import { issueKey } from '../src/modules/keys/issueKey';
import { findOrCreateOrganization } from '../src/modules/organizations/bootstrap';

const usage = 'usage: npm run create-admin-key -- --org <organization name> [--name <key name>]';

/** Issues an admin key for an organization (created if new) in the database named by MONGODB_URI. */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { org: { type: 'string' }, name: { type: 'string' } } });
  if (!values.org) throw new Error(`--org is required\n${usage}`);
  const config = loadConfig();
  if (!config.MONGODB_URI) throw new Error('MONGODB_URI must name the database to add the key to');

  await connectMongoose({ uri: config.MONGODB_URI, serverSelectionTimeoutMS: config.MONGODB_SERVER_SELECTION_TIMEOUT_MS });
  try {
    await ensureIndexes();
    const organization = await findOrCreateOrganization(values.org);
    const { plaintext } = await issueKey(
      { organizationId: organization._id, bucketId: null, type: 'admin', name: values.name ?? 'Admin key' },
      config.BCRYPT_ROUNDS,
    );
    process.stdout.write(
      `Organization: ${organization.name} (${organization._id.toHexString()})\n` + `Admin key (shown once, store it now):\n${plaintext}\n`,
    );
  } finally {
    await mongoose.disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
