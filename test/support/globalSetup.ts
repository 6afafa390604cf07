import { startDatabase, type DatabaseHandle } from '../../src/db/startDatabase';

declare global {
  var __dakkioTestDatabase: DatabaseHandle | undefined;
}

/**
 * Starts the same database `npm start` would (MONGODB_URI, else a real embedded mongod,
 * else CongoDB in a child process on a Unix socket) once, from Jest's parent process, and
 * hands its URI to the test files. Run by ts-jest, so CongoDB's child runs from its .ts source.
 */
export default async function globalSetup(): Promise<void> {
  const database = await startDatabase({ mongodbUri: process.env.MONGODB_URI });
  globalThis.__dakkioTestDatabase = database;
  process.env.DAKKIO_TEST_MONGODB_URI = database.uri;
  process.env.DAKKIO_TEST_DATABASE_KIND = database.kind;
  process.stdout.write(`\n[tests] database: ${database.kind} (${database.uri.replace(/\/\/[^@]*@/, '//***@')})\n`);
}
