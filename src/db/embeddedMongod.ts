import { lookup } from 'node:dns/promises';
import { mkdirSync } from 'node:fs';
import { MongoMemoryServer } from 'mongodb-memory-server-core';

const downloadHost = 'fastdl.mongodb.org';

async function canReachDownloadHost(timeoutMs: number): Promise<boolean> {
  const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
  const resolved = lookup(downloadHost).then(
    () => true,
    () => false,
  );
  return Promise.race([resolved, timeout]);
}

/**
 * A real mongod through mongodb-memory-server, when one can be had without stalling an
 * offline start: a binary named by MONGOMS_SYSTEM_BINARY, or a download host that resolves.
 * Returns null when neither is available.
 */
export async function tryStartMongod(dbPath: string | undefined): Promise<{ uri: string; stop: () => Promise<void> } | null> {
  const hasSystemBinary = Boolean(process.env.MONGOMS_SYSTEM_BINARY);
  if (!hasSystemBinary && !(await canReachDownloadHost(1500))) return null;
  if (dbPath) mkdirSync(dbPath, { recursive: true });
  try {
    const server = await MongoMemoryServer.create({
      instance: dbPath ? { dbPath, storageEngine: 'wiredTiger' } : {},
    });
    return { uri: server.getUri(), stop: async () => void (await server.stop()) };
  } catch {
    return null;
  }
}
