// Checks whether CongoDB's 'file' storage survives a restart with its types intact:
// write a document with an ObjectId and a Date, restart, query by both.
// Result on @push.rocks/smartmongo@2.2.0: both fields come back as strings and the
// queries match nothing, so the embedded database runs in memory only.
// Run: node scripts/probe-embedded-file-storage.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import mongoose from 'mongoose';

const require = createRequire(import.meta.url);
const { CongoServer } = await import(pathToFileURL(require.resolve('@push.rocks/smartmongo/dist_ts/congodb/index.js')).href);
const storagePath = mkdtempSync(path.join(tmpdir(), 'congo-probe-'));
const port = 20000 + Math.floor(Math.random() * 20000);
const ref = new mongoose.Types.ObjectId();
const at = new Date('2024-01-01T00:00:00Z');

async function withServer(work) {
  const server = new CongoServer({ host: '127.0.0.1', port, storage: 'file', storagePath });
  await server.start();
  const connection = await mongoose.createConnection(`mongodb://127.0.0.1:${port}/probe`).asPromise();
  try {
    return await work(connection.db.collection('things'));
  } finally {
    await connection.close();
    await server.stop();
  }
}

await withServer((things) => things.insertOne({ ref, at }));
const result = await withServer(async (things) => ({
  stored: await things.findOne({}),
  byObjectId: await things.countDocuments({ ref }),
  byDate: await things.countDocuments({ at }),
}));
rmSync(storagePath, { recursive: true, force: true });
const reliable = result.byObjectId === 1 && result.byDate === 1;
console.log(JSON.stringify({ ...result, reliable }, null, 2));
process.exit(reliable ? 0 : 1);
