import mongoose from 'mongoose';
import { buildApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { createDeps } from './createDeps';
import { connectMongoose } from './db/connectMongoose';
import { ensureIndexes } from './db/ensureIndexes';
import { startDatabase } from './db/startDatabase';
import { createLogger } from './logger';
import { startMqtt } from './modules/mqtt/startMqtt';
import { bootstrapOrganization } from './modules/organizations/bootstrap';
import { scheduleRetention } from './modules/retention/retentionJob';
import { localSecretKey } from './modules/webhooks/localSecretKey';
import { installGracefulShutdown } from './shutdown';

function loadConfigOrExit(): Config {
  try {
    const config = loadConfig();
    // Every instance must seal and open webhook secrets with the same key, so none may make its own.
    if (config.MONGODB_URI && !config.WEBHOOK_SECRET_KEY) {
      throw new ConfigError([
        'WEBHOOK_SECRET_KEY: required with MONGODB_URI: 32 random bytes as base64 (openssl rand -base64 32), the same on every instance',
      ]);
    }
    return config;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** Printed to stdout, never through the logger: logs must not contain keys. */
function announceAdminKey(adminKey: string, port: number): void {
  const line = '='.repeat(72);
  process.stdout.write(
    `\n${line}\n  NEW ADMIN KEY (shown once, store it now):\n\n  ${adminKey}\n\n` +
      `  Use it as:  curl -H "X-API-Key: ${adminKey}" http://localhost:${port}/api/buckets\n${line}\n\n`,
  );
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.LOG_LEVEL);

  const database = await startDatabase({ mongodbUri: config.MONGODB_URI, dataDir: config.DATA_DIR });
  logger.info({ database: database.kind, persistent: database.persistent }, 'database started');
  if (!database.persistent) {
    logger.warn('embedded database: data lives in memory and is lost when the server stops; set MONGODB_URI to keep it');
  }
  await connectMongoose({ uri: database.uri, serverSelectionTimeoutMS: config.MONGODB_SERVER_SELECTION_TIMEOUT_MS });
  const { pointsLayout } = await ensureIndexes();
  logger.info({ pointsLayout }, 'points collection ready');

  const bootstrap = await bootstrapOrganization({
    adminKey: config.DAKKIO_BOOTSTRAP_ADMIN_KEY,
    organizationName: config.DAKKIO_BOOTSTRAP_ORG_NAME,
    bcryptRounds: config.BCRYPT_ROUNDS,
  });
  if (bootstrap.action === 'ensured-given-key') logger.info('bootstrap admin key from DAKKIO_BOOTSTRAP_ADMIN_KEY installed');

  // loadConfigOrExit requires WEBHOOK_SECRET_KEY with MONGODB_URI: only the embedded database makes its own.
  const webhookSecretKey = config.WEBHOOK_SECRET_KEY ?? (await localSecretKey(database.persistent ? config.DATA_DIR : null));
  const deps = createDeps(config, logger, { webhookSecretKey });
  await deps.liveStream.start();
  const app = buildApp(deps);
  // Listening before HTTP is, so "dakkio-server listening" means every listener is up.
  const mqtt = await startMqtt(deps);
  if (mqtt) logger.info({ port: mqtt.port, wsPort: mqtt.wsPort, tls: Boolean(config.MQTT_TLS_CERT) }, 'mqtt listening');
  const server = app.listen(config.PORT, config.HOST, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    logger.info({ port, host: config.HOST }, 'dakkio-server listening');
    if (bootstrap.action === 'created-organization') announceAdminKey(bootstrap.adminKey, port);
  });
  deps.alerting.start();
  deps.usage.start();
  const stopRetention = scheduleRetention(config, logger);
  installGracefulShutdown({
    server,
    logger,
    deadlineMs: config.SHUTDOWN_TIMEOUT_MS,
    beforeClose: deps.liveStream.endStreams,
    release: async () => {
      stopRetention();
      // Before the writes drain: the broker's last publishes are among them, and are acknowledged once written.
      await mqtt?.stop();
      await deps.drainWrites();
      await deps.usage.stop();
      await deps.liveStream.stop();
      await deps.alerting.stop();
      await mongoose.disconnect();
      await database.stop();
    },
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`dakkio-server failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
