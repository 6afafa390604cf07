import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { ConfigError } from '../../config';
import type { AppDeps } from '../../http/route';
import { createMqttBroker } from './broker';
import { createDeviceConnections } from './deviceConnections';
import { createLiveSubscriptions } from './liveSubscriptions';

export interface RunningMqtt {
  /** The port MQTT (or MQTT over TLS) listens on. */
  port: number;
  /** The WebSocket port, when MQTT_WS_PORT is set. */
  wsPort: number | null;
  /** Stops accepting, finishes the publishes in flight (their PUBACKs after the write), closes the connections. */
  stop: () => Promise<void>;
}

function readPem(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError([`${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`]);
  }
}

/** Checked whether MQTT_PORT is set or not: a half-made MQTT setting is a mistake to report, not to ignore. */
function tlsOptions(config: AppDeps['config']): { cert: Buffer; key: Buffer } | null {
  const { MQTT_TLS_CERT: certPath, MQTT_TLS_KEY: keyPath } = config;
  const problems = [
    ...(Boolean(certPath) !== Boolean(keyPath) ? ['MQTT_TLS_CERT and MQTT_TLS_KEY: set both or neither'] : []),
    ...(config.MQTT_PORT === undefined && (certPath || keyPath || config.MQTT_WS_PORT !== undefined)
      ? ['MQTT_PORT: required with MQTT_TLS_CERT, MQTT_TLS_KEY or MQTT_WS_PORT']
      : []),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  if (!certPath || !keyPath) return null;
  return { cert: readPem('MQTT_TLS_CERT', certPath), key: readPem('MQTT_TLS_KEY', keyPath) };
}

/** Keeps every open socket a listener accepted in `sockets`, so a stop can end the ones that never finished CONNECT. */
function trackSockets(server: { on: (event: 'connection', listener: (socket: Socket) => void) => unknown }, sockets: Set<Socket>): void {
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
}

const listen = (server: Server | ReturnType<typeof createHttpServer>, port: number, host: string) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });

const closeServer = (server: { close: (done: () => void) => void }) => new Promise<void>((resolve) => server.close(() => resolve()));

/**
 * The MQTT listeners of api.md §14, when MQTT_PORT is set: plain or TLS on MQTT_PORT, and
 * MQTT over WebSocket on MQTT_WS_PORT (path /mqtt), all onto the one broker, whose writes
 * go through the same ingest pipeline, key verifier and rate-limit store as HTTP's.
 */
export async function startMqtt(deps: AppDeps): Promise<RunningMqtt | null> {
  const { config } = deps;
  const tls = tlsOptions(config);
  if (config.MQTT_PORT === undefined) return null;
  const connections = createDeviceConnections({ maxPerKey: config.MQTT_MAX_CONNECTIONS_PER_KEY, keyIsActive: deps.keyIsActive });
  const broker = await createMqttBroker({
    ...deps,
    connections,
    live: createLiveSubscriptions(deps.liveStream),
    maxPayloadBytes: config.BODY_LIMIT_BYTES,
    withinRateLimit: async (keyId) => (await deps.rateLimitStore.increment(`key:${keyId}`)).totalHits <= config.RATE_LIMIT_PER_KEY,
  });
  const mqttServer = tls ? createTlsServer(tls, broker.handle) : createNetServer(broker.handle);
  // Connections that never completed CONNECT are not the broker's to close: aedes would wait its connect timeout (30 s).
  const sockets = new Set<Socket>();
  trackSockets(mqttServer, sockets);
  const port = await listen(mqttServer, config.MQTT_PORT, config.MQTT_HOST);

  let wsServer: ReturnType<typeof createHttpServer> | null = null;
  let wsPort: number | null = null;
  if (config.MQTT_WS_PORT !== undefined) {
    const notMqtt = (_req: unknown, res: { statusCode: number; end: () => void }) => {
      res.statusCode = 404;
      res.end();
    };
    wsServer = tls ? createHttpsServer(tls, notMqtt) : createHttpServer(notMqtt);
    trackSockets(wsServer, sockets);
    new WebSocketServer({ server: wsServer, path: '/mqtt' }).on('connection', (socket, req) =>
      broker.handle(createWebSocketStream(socket), req),
    );
    wsPort = await listen(wsServer, config.MQTT_WS_PORT, config.MQTT_HOST);
  }

  const keyChecks = setInterval(() => {
    connections.closeRevoked().catch((error: Error) => deps.logger.warn({ err: error.message }, 'mqtt key check failed'));
  }, config.MQTT_KEY_CHECK_MS);
  keyChecks.unref();

  return {
    port,
    wsPort,
    stop: async () => {
      clearInterval(keyChecks);
      const closed = [closeServer(mqttServer), ...(wsServer ? [closeServer(wsServer)] : [])];
      await broker.drain();
      for (const socket of sockets) socket.destroy();
      await Promise.all(closed);
    },
  };
}
