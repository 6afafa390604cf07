import { createServer } from 'node:net';
import { pathToFileURL } from 'node:url';

interface CongoServerInstance {
  start(): Promise<void>;
  stop(): Promise<void>;
}

type CongoModule = {
  CongoServer: new (options: { host: string; port: number; storage: 'memory' }) => CongoServerInstance;
};

// TypeScript compiles import() to require() under CommonJS; this keeps a real dynamic
// import, which the ESM-only CongoDB module needs.
const importEsm = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<unknown>;

/** CongoDB reports port 0 literally instead of the port it got, so pick one first. */
async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Memory storage only: CongoDB's 'file' storage writes documents as plain JSON and reads
 * ObjectId and Date fields back as strings, so queries by bucketId or time silently
 * match nothing after a restart (scripts/probe-embedded-file-storage.mjs shows it).
 */
export async function startCongo(): Promise<{ uri: string; stop: () => Promise<void> }> {
  // Deep path: the package root pulls in unrelated noisy modules and takes ~1.5 s.
  const modulePath = require.resolve('@push.rocks/smartmongo/dist_ts/congodb/index.js');
  const { CongoServer } = (await importEsm(pathToFileURL(modulePath).href)) as CongoModule;
  const port = await findFreePort();
  const server = new CongoServer({ host: '127.0.0.1', port, storage: 'memory' });
  await server.start();
  // CongoDB answers the driver's streaming (exhaust) heartbeats wrongly: the driver reports
  // "Server ended moreToCome unexpectedly", clears its pool and stalls operations ~500 ms.
  // Polling heartbeats avoid that; the option travels in the URI to every client.
  return { uri: `mongodb://127.0.0.1:${port}/?serverMonitoringMode=poll`, stop: () => server.stop() };
}
