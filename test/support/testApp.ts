import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import mongoose from 'mongoose';
import request from 'supertest';
import { buildApp } from '../../src/app';
import { type RunningMqtt, startMqtt } from '../../src/modules/mqtt/startMqtt';
import { loadConfig, type Config } from '../../src/config';
import { createDeps } from '../../src/createDeps';
import type { AppDeps } from '../../src/http/route';
import { connectMongoose } from '../../src/db/connectMongoose';
import { ensureIndexes } from '../../src/db/ensureIndexes';
import { createLogger } from '../../src/logger';

export type HttpAgent = ReturnType<typeof request.agent>;

export interface TestApp {
  http: HttpAgent;
  config: Config;
  /** Every log line the app wrote, for assertions about what logs contain. */
  logs: string[];
  /** How many bcrypt compares the key verifier ran. */
  bcryptCompares: () => number;
  /** The app's per-process parts, e.g. to subscribe to committed points as a consumer would. */
  deps: AppDeps;
  /** The MQTT broker, when the env sets MQTT_PORT (0: any free port). */
  mqtt: RunningMqtt | null;
  close: () => Promise<void>;
}

/** One key per test process, as an instance would have: every app of a test file can open the others' secrets. */
const webhookSecretKey = randomBytes(32);

/** Test-only settings: a cheaper bcrypt cost keeps key-heavy suites fast; the algorithm is the same. */
const testEnv = { LOG_LEVEL: 'info', BCRYPT_ROUNDS: '6' };

async function connectOnce(): Promise<void> {
  if (mongoose.connection.readyState === 1) return;
  const uri = process.env.DAKKIO_TEST_MONGODB_URI;
  if (!uri) throw new Error('DAKKIO_TEST_MONGODB_URI is not set: run the tests through jest (globalSetup)');
  // One database per test file keeps files independent when Jest runs them in parallel.
  const dbName = `dakkio_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await connectMongoose({ uri, dbName, serverSelectionTimeoutMS: 5000 });
  await ensureIndexes();
}

/** Starts the real app on port 0 against the test database. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  await connectOnce();
  const config = loadConfig({ ...testEnv, ...env });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  let compares = 0;
  const bcrypt = await import('bcrypt');
  const deps = createDeps(config, createLogger(config.LOG_LEVEL, sink), {
    compare: (plaintext, hash) => {
      compares += 1;
      return bcrypt.compare(plaintext, hash);
    },
    webhookSecretKey,
  });
  deps.alerting.start();
  deps.usage.start();
  await deps.liveStream.start();
  const server: Server = await new Promise((resolve) => {
    const listening = buildApp(deps).listen(0, '127.0.0.1', () => resolve(listening));
  });
  const mqtt = await startMqtt(deps);
  return {
    http: request.agent(server),
    mqtt,
    config,
    logs,
    bcryptCompares: () => compares,
    deps,
    close: async () => {
      await mqtt?.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await deps.liveStream.stop();
      await closed;
      await deps.alerting.stop();
      await deps.usage.stop();
    },
  };
}

export async function disconnectDatabase(): Promise<void> {
  await mongoose.connection.dropDatabase().catch(() => undefined);
  await mongoose.disconnect();
}

/** How many apps of useTestApp are running in this test file. */
let appsInUse = 0;

/**
 * Registers beforeAll/afterAll for a test file (or a describe block): the real app on port
 * 0, closed at the end, and the database dropped once the last such app of the file is
 * closed, so a describe block may start a second app with other settings. Returns a getter,
 * since the app exists only once beforeAll ran.
 */
export function useTestApp(env: Record<string, string> = {}): () => TestApp {
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await startTestApp(env);
    appsInUse += 1;
  });
  afterAll(async () => {
    if (app) {
      await app.close();
      appsInUse -= 1;
    }
    if (appsInUse === 0) await disconnectDatabase();
  });
  return () => {
    if (!app) throw new Error('useTestApp: the app is available inside tests only');
    return app;
  };
}
