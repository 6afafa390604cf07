import mongoose, { type Connection } from 'mongoose';
import { installEndedSocketGuard } from './endedSocketGuard';

export interface ConnectOptions {
  uri: string;
  dbName?: string;
  serverSelectionTimeoutMS: number;
}

/**
 * Commands are not buffered while disconnected: a request should fail fast with 503
 * rather than hang until some driver timeout.
 */
export async function connectMongoose(options: ConnectOptions): Promise<Connection> {
  mongoose.set('strictQuery', true);
  mongoose.set('bufferCommands', false);
  installEndedSocketGuard();
  await mongoose.connect(options.uri, {
    dbName: options.dbName,
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS,
    autoIndex: true,
  });
  return mongoose.connection;
}
