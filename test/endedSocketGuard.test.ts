import mongoose from 'mongoose';
import { installEndedSocketGuard } from '../src/db/endedSocketGuard';
import { freshDatabaseUri } from './support/serverProcess';
import { startTcpProxy } from './support/tcpProxy';

/**
 * The hang behind the flaky outage test, made deterministic: the database end closes a pooled
 * connection, and an operation is issued in the event-loop turn where Node has already ended and
 * destroyed the socket but not yet emitted 'close'. Unguarded, mongodb 7.8/7.9 never settles it.
 */
describe('a command on a connection the database just closed', () => {
  it.each(['find', 'aggregate', 'insertMany'] as const)('%s fails with a network error instead of hanging', async (op) => {
    installEndedSocketGuard();
    const direct = new URL(freshDatabaseUri('endedsocket'));
    const socketPath = /%2F/i.test(direct.hostname) ? decodeURIComponent(direct.hostname) : null;
    const proxy = await startTcpProxy(socketPath ?? Number(direct.port));
    const viaProxy = new URL(direct);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const client = new mongoose.mongo.MongoClient(viaProxy.toString(), { serverSelectionTimeoutMS: 500, maxPoolSize: 1 });
    try {
      await client.connect();
      const collection = client.db().collection('c');
      await collection.insertOne({ a: 1 });
      const pool = ([...(client as any).topology.s.servers.values()][0] as any).pool;
      const connection = pool.connections.first();
      const outcome = new Promise<string>((resolve) => {
        connection.socket.once('end', () =>
          setImmediate(() => {
            const run =
              op === 'insertMany'
                ? collection.insertMany([{ b: 1 }], { ordered: false })
                : op === 'aggregate'
                  ? collection.aggregate([{ $match: { a: 1 } }]).toArray()
                  : collection.find({}).toArray();
            run.then(
              () => resolve('resolved'),
              (error: Error) => resolve(error.name),
            );
          }),
        );
      });
      await proxy.cut();
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('never settled'), 5000)));
      const settled = await Promise.race([outcome, bound]).finally(() => clearTimeout(timer));
      expect(['MongoServerSelectionError', 'MongoNetworkError', 'MongoBulkWriteError']).toContain(settled);
      expect(pool.checkedOut.size).toBe(0);
    } finally {
      await client.close(true).catch(() => undefined);
      await proxy.close();
    }
  });
});
