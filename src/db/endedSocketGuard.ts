import { createRequire } from 'node:module';
import mongoose from 'mongoose';

/** The parts of the driver's internal Connection class the guard relies on. */
interface DriverConnection {
  id: number | string;
  address: string;
  closed: boolean;
  socket: { destroyed: boolean; readableEnded: boolean; writableEnded: boolean };
  onError: (error: Error) => void;
  command: (...args: unknown[]) => Promise<unknown>;
}

let installed = false;

/**
 * Works around a hang in the mongodb driver (7.8.0 under mongoose 9.12, and 7.9.0): the driver
 * marks a pooled connection closed only on its socket's 'close' event. When the database end
 * closes the connection, Node ends and destroys the socket a moment before 'close' (same event
 * loop turn); a command written in that moment goes to Node's writeAfterFIN, which returns false
 * and emits no 'error', and the driver then awaits a 'drain' that never comes. The operation
 * never settles and its connection stays checked out; no driver timeout covers that wait.
 *
 * Here a command on a socket that already ended is refused the way the driver refuses one on a
 * closed connection: with a MongoNetworkError (a read is retried, the caller gets 503).
 */
export function installEndedSocketGuard(): void {
  if (installed) return;
  const requireFromMongoose = createRequire(require.resolve('mongoose'));
  const { Connection } = requireFromMongoose('mongodb/lib/cmap/connection') as { Connection?: { prototype: DriverConnection } };
  const proto = Connection?.prototype;
  if (!proto || typeof proto.command !== 'function' || typeof proto.onError !== 'function') {
    throw new Error(
      'installEndedSocketGuard: the mongodb driver internals changed; check whether the upstream fix made this guard unnecessary',
    );
  }
  const command = proto.command;
  proto.command = function guardedCommand(this: DriverConnection, ...args: unknown[]) {
    const { socket } = this;
    if (!this.closed && (socket.destroyed || socket.readableEnded || socket.writableEnded)) {
      this.onError(new mongoose.mongo.MongoNetworkError(`connection ${this.id} to ${this.address} closed`));
    }
    return command.apply(this, args);
  };
  installed = true;
}
