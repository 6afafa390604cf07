import path from 'node:path';
import { startCongo } from './embeddedCongo';
import { tryStartMongod } from './embeddedMongod';

export type DatabaseKind = 'external' | 'mongodb-memory-server' | 'congodb';

export interface DatabaseHandle {
  kind: DatabaseKind;
  uri: string;
  /** Whether data outlives this process. */
  persistent: boolean;
  /** The process the database runs in, when this module started one of its own that reports it. */
  pid?: number;
  stop(): Promise<void>;
}

export interface DatabaseChoice {
  mongodbUri?: string;
  /** Where an embedded real mongod keeps its files; omit for a throwaway database. */
  dataDir?: string;
}

/**
 * The one place that decides which database the server (and the test suite) talks to:
 * MONGODB_URI, else a real embedded mongod, else the pure-TypeScript CongoDB fallback.
 * Either embedded database runs in a child process, never in the caller's event loop.
 */
export async function startDatabase(choice: DatabaseChoice): Promise<DatabaseHandle> {
  if (choice.mongodbUri) {
    return { kind: 'external', uri: choice.mongodbUri, persistent: true, stop: async () => {} };
  }
  const mongodDataPath = choice.dataDir ? path.resolve(choice.dataDir, 'mongod') : undefined;
  const mongod = await tryStartMongod(mongodDataPath);
  if (mongod) return { kind: 'mongodb-memory-server', persistent: Boolean(mongodDataPath), ...mongod };
  const congo = await startCongo();
  return { kind: 'congodb', persistent: false, ...congo };
}
