import { startDatabase } from '../../src/db/startDatabase';

/**
 * The benchmark's database in a process of its own, so it does not share a CPU-bound event
 * loop with the load generator. Prints its URI on the first line and runs until killed.
 */
async function main(): Promise<void> {
  const database = await startDatabase({ mongodbUri: process.env.MONGODB_URI });
  process.stdout.write(`${JSON.stringify({ uri: database.uri, kind: database.kind })}\n`);
  process.on('SIGTERM', () => {
    // CongoDB's stop() can wait on connections that never close; do not outlive the run.
    setTimeout(() => process.exit(0), 2000).unref();
    void database.stop().finally(() => process.exit(0));
  });
}

void main();
