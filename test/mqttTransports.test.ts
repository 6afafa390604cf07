import { type CertificateFiles, writeSelfSignedCertificate } from './support/selfSignedCertificate';
import { connect as connectTcp, createServer as createTcpServer } from 'node:net';
import { Types } from 'mongoose';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { ConfigError } from '../src/config';
import { startMqtt } from '../src/modules/mqtt/startMqtt';
import { DataPointModel } from '../src/modules/points/model';
import { collectMessages, connectDevice, mqttUrl, publishOutcome } from './support/mqttClient';
import { createDataSource, createTenant, type Tenant } from './support/tenants';
import { disconnectDatabase, startTestApp, type TestApp } from './support/testApp';

/**
 * The transports of api.md §14 besides plain TCP: MQTT over TLS and over WebSocket (ws://
 * and wss:// on MQTT_WS_PORT, path /mqtt), with a certificate made here, and the refusal to
 * start with half a TLS configuration. Every app of this file is started and closed here,
 * since the TLS app's settings (the certificate's files) exist only once beforeAll ran.
 */

afterAll(disconnectDatabase);

const storedOf = (sourceId: string) =>
  DataPointModel.find({ dataSourceId: new Types.ObjectId(sourceId) })
    .sort({ timestamp: 1 })
    .lean();
const pointsTopic = (sourceId: string) => `dakkio/sources/${sourceId}/points`;
const point = (temperature: number) => JSON.stringify({ values: { temperature } });

/** Every client a suite opened, closed in its afterAll. */
function deviceRegistry() {
  const clients: MqttClient[] = [];
  return {
    connect: async (url: string, key: string, options: IClientOptions = {}) => {
      const client = await connectDevice(url, key, options);
      clients.push(client);
      return client;
    },
    closeAll: () => Promise.all(clients.map((client) => client.endAsync(true))),
  };
}

/**
 * A connection that must fail: resolves with the error MQTT.js gave. Without retries, so a
 * connection closed before any CONNACK rejects too instead of waiting; a client that
 * connected after all is closed and the test fails.
 */
async function connectFailure(url: string, key: string, options: IClientOptions = {}): Promise<Error & { code?: string | number }> {
  // Node's own errors (TLS, sockets) are not instances of the test realm's Error: tell the outcomes apart by shape.
  const outcome = await mqtt
    .connectAsync(url, { username: key, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options }, false)
    .then(
      (client) => ({ client }),
      (error: Error & { code?: string | number }) => ({ error }),
    );
  if ('error' in outcome) return outcome.error;
  await outcome.client.endAsync(true);
  throw new Error(`${url}: connected, but the connection should have been refused`);
}

/** A connection that failed below MQTT: closed or reset before any CONNACK (whose refusals carry a numeric code). */
function expectNoConnack(error: Error & { code?: string | number }) {
  expect(typeof error.code).not.toBe('number');
  expect(error.message).toMatch(/Couldn't connect to server|socket hang up|ECONNRESET/);
}

describe('MQTT over TLS (MQTT_TLS_CERT and MQTT_TLS_KEY set): mqtts:// and wss://', () => {
  let app: TestApp | undefined;
  let certificate: CertificateFiles | undefined;
  let cert: string;
  let tenant: Tenant;
  let sourceId: string;
  const devices = deviceRegistry();
  const tlsApp = () => app!;

  beforeAll(async () => {
    certificate = await writeSelfSignedCertificate('dakkio-mqtt-tls');
    cert = certificate.cert;
    app = await startTestApp({ MQTT_PORT: '0', MQTT_WS_PORT: '0', MQTT_TLS_CERT: certificate.certPath, MQTT_TLS_KEY: certificate.keyPath });
    tenant = await createTenant(tlsApp());
    sourceId = await createDataSource(tlsApp(), tenant.adminKey, tenant.bucketId);
  });
  afterAll(async () => {
    await devices.closeAll();
    await app?.close();
    certificate?.remove();
  });

  it('takes a QoS 1 publish over mqtts:// from a client trusting the certificate, acknowledged once stored', async () => {
    const client = await devices.connect(mqttUrl(tlsApp().mqtt!.port, 'mqtts'), tenant.writeKey, { ca: cert });
    const timestamp = '2026-03-01T08:00:00.000Z';
    const payload = JSON.stringify({ timestamp, values: { temperature: 21.5 } });
    expect(await publishOutcome(client, pointsTopic(sourceId), payload)).toBe('acknowledged');
    // Acknowledged means stored: no waiting.
    const stored = await storedOf(sourceId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      bucketId: new Types.ObjectId(tenant.bucketId),
      timestamp: new Date(timestamp),
      values: { temperature: 21.5 },
    });
  });

  it('is refused by a client that does not trust the certificate, and by a client speaking plain MQTT', async () => {
    const before = (await storedOf(sourceId)).length;
    const untrusted = await connectFailure(mqttUrl(tlsApp().mqtt!.port, 'mqtts'), tenant.writeKey);
    expect(untrusted.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    // A plain CONNECT is not a TLS handshake: the server drops the connection, no CONNACK.
    const plain = await connectFailure(mqttUrl(tlsApp().mqtt!.port, 'mqtt'), tenant.writeKey);
    expectNoConnack(plain);
    // The listener still serves TLS clients afterwards.
    const client = await devices.connect(mqttUrl(tlsApp().mqtt!.port, 'mqtts'), tenant.writeKey, { ca: cert });
    expect(await publishOutcome(client, pointsTopic(sourceId), point(7))).toBe('acknowledged');
    const stored = await storedOf(sourceId);
    expect(stored).toHaveLength(before + 1);
    expect(stored.map((stored) => stored.values.temperature)).toContain(7);
  });

  it('takes a publish over wss://…/mqtt on MQTT_WS_PORT with the certificate trusted; ws:// and untrusted wss:// fail', async () => {
    const wsPort = tlsApp().mqtt!.wsPort!;
    expect(wsPort).toEqual(expect.any(Number));
    const source = await createDataSource(tlsApp(), tenant.adminKey, tenant.bucketId);
    const client = await devices.connect(`wss://127.0.0.1:${wsPort}/mqtt`, tenant.writeKey, { ca: cert });
    expect(await publishOutcome(client, pointsTopic(source), point(30.25))).toBe('acknowledged');
    expect((await storedOf(source)).map((stored) => stored.values)).toEqual([{ temperature: 30.25 }]);

    const untrusted = await connectFailure(`wss://127.0.0.1:${wsPort}/mqtt`, tenant.writeKey);
    expect(untrusted.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expectNoConnack(await connectFailure(`ws://127.0.0.1:${wsPort}/mqtt`, tenant.writeKey));
    expect(await storedOf(source)).toHaveLength(1);
  });

  it('refuses a bad key over TLS with CONNACK 4', async () => {
    const refused = await connectFailure(mqttUrl(tlsApp().mqtt!.port, 'mqtts'), `${tenant.writeKey}x`, { ca: cert });
    expect(refused.code).toBe(4);
  });
});

describe('MQTT over WebSocket without TLS: ws://…/mqtt on MQTT_WS_PORT', () => {
  let app: TestApp | undefined;
  let tenant: Tenant;
  const devices = deviceRegistry();
  const wsApp = () => app!;
  const wsUrl = (pathname = '/mqtt') => `ws://127.0.0.1:${wsApp().mqtt!.wsPort}${pathname}`;

  beforeAll(async () => {
    app = await startTestApp({ MQTT_PORT: '0', MQTT_WS_PORT: '0' });
    tenant = await createTenant(wsApp());
  });
  afterAll(async () => {
    await devices.closeAll();
    await app?.close();
  });

  it('listens on its own port next to MQTT_PORT', () => {
    const { port, wsPort } = wsApp().mqtt!;
    expect(wsPort).toEqual(expect.any(Number));
    expect(wsPort).not.toBe(port);
  });

  it('takes a QoS 1 publish, acknowledged once stored, and a QoS 0 one', async () => {
    const source = await createDataSource(wsApp(), tenant.adminKey, tenant.bucketId);
    const client = await devices.connect(wsUrl(), tenant.writeKey);
    const timestamp = '2026-03-02T09:30:00.000Z';
    const payload = JSON.stringify({ timestamp, values: { temperature: 18.75 }, metadata: { via: 'websocket' } });
    expect(await publishOutcome(client, pointsTopic(source), payload)).toBe('acknowledged');
    const stored = await storedOf(source);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      bucketId: new Types.ObjectId(tenant.bucketId),
      timestamp: new Date(timestamp),
      values: { temperature: 18.75 },
      metadata: { via: 'websocket' },
    });
    // QoS 0 has no acknowledgement; a QoS 1 publish after it on the same connection is handled after it.
    await client.publishAsync(pointsTopic(source), point(1), { qos: 0 });
    expect(await publishOutcome(client, pointsTopic(source), point(2))).toBe('acknowledged');
    expect((await storedOf(source)).map((stored) => stored.values.temperature).sort()).toEqual([1, 18.75, 2].sort());
  });

  it('refuses a bad key with CONNACK 4 and stores nothing from it', async () => {
    const source = await createDataSource(wsApp(), tenant.adminKey, tenant.bucketId);
    const refused = await connectFailure(wsUrl(), `${tenant.writeKey}x`);
    expect(refused.code).toBe(4);
    expect(refused.message).toMatch(/Bad username or password/);
    const unknown = await connectFailure(wsUrl(), 'not-a-key');
    expect(unknown.code).toBe(4);
    expect(await storedOf(source)).toHaveLength(0);
  });

  it('takes no MQTT on another path of the port', async () => {
    expectNoConnack(await connectFailure(wsUrl('/other'), tenant.writeKey));
    const res = await fetch(`http://127.0.0.1:${wsApp().mqtt!.wsPort}/mqtt`);
    expect(res.status).toBe(404);
  });

  it('delivers points posted over HTTP to a read key subscribed over WebSocket', async () => {
    const source = await createDataSource(wsApp(), tenant.adminKey, tenant.bucketId);
    const listener = await devices.connect(wsUrl(), tenant.readKey);
    const received = collectMessages(listener, pointsTopic(source));
    const granted = await listener.subscribeAsync(pointsTopic(source), { qos: 1 });
    expect(granted.map((grant) => grant.qos)).not.toContain(128);
    // The SUBACK comes once the subscription is fed: a point committed after it is delivered.
    const posted = await wsApp()
      .http.post('/api/data')
      .set('X-API-Key', tenant.writeKey)
      .send({ bucketId: tenant.bucketId, dataSourceId: source, timestamp: '2026-03-03T00:00:00.000Z', values: { temperature: 4.5 } })
      .expect(201);
    const deadline = Date.now() + 10_000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(received).toEqual([
      expect.objectContaining({
        _id: posted.body.dataPoint._id,
        dataSourceId: source,
        bucketId: tenant.bucketId,
        timestamp: '2026-03-03T00:00:00.000Z',
        values: { temperature: 4.5 },
      }),
    ]);
    expect((await storedOf(source)).map((stored) => stored.values)).toEqual([{ temperature: 4.5 }]);
  });

  describe('half a TLS configuration', () => {
    /** A port nothing listens on right now. */
    const freePort = async () => {
      const server = createTcpServer().listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      const { port } = server.address() as { port: number };
      await new Promise((resolve) => server.close(resolve));
      return port;
    };
    const refusesConnections = (port: number) =>
      new Promise<boolean>((resolve) => {
        const socket = connectTcp(port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(false);
        });
        socket.once('error', () => resolve(true));
      });

    it.each([
      ['MQTT_TLS_CERT without MQTT_TLS_KEY', { MQTT_TLS_CERT: '/nonexistent/cert.pem', MQTT_TLS_KEY: undefined }],
      ['MQTT_TLS_KEY without MQTT_TLS_CERT', { MQTT_TLS_CERT: undefined, MQTT_TLS_KEY: '/nonexistent/key.pem' }],
    ])('%s: the broker refuses to start with a ConfigError, listening on nothing', async (_label, tls) => {
      // The app's own parts with the changed settings: startTestApp would leave its HTTP server running after the refusal.
      const port = await freePort();
      const wsPort = await freePort();
      const deps = wsApp().deps;
      const started = startMqtt({ ...deps, config: { ...deps.config, MQTT_PORT: port, MQTT_WS_PORT: wsPort, ...tls } });
      const error = await started.then(
        async (running) => {
          await running?.stop();
          throw new Error('startMqtt started with half a TLS configuration');
        },
        (refusal: unknown) => refusal,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual(['MQTT_TLS_CERT and MQTT_TLS_KEY: set both or neither']);
      expect(await refusesConnections(port)).toBe(true);
      expect(await refusesConnections(wsPort)).toBe(true);
    });

    it.each([
      ['MQTT_WS_PORT without MQTT_PORT', { MQTT_WS_PORT: 1884 }, ['MQTT_PORT: required with MQTT_TLS_CERT, MQTT_TLS_KEY or MQTT_WS_PORT']],
      [
        'a certificate file that cannot be read',
        { MQTT_PORT: 0, MQTT_TLS_CERT: '/nonexistent/cert.pem', MQTT_TLS_KEY: '/nonexistent/key.pem' },
        ['MQTT_TLS_CERT: cannot read /nonexistent/cert.pem (ENOENT)'],
      ],
    ])(
      '%s: a ConfigError naming the setting, rather than a silently missing broker or a raw file error',
      async (_label, settings, problems) => {
        const deps = wsApp().deps;
        const base = { ...deps.config, MQTT_PORT: undefined, MQTT_WS_PORT: undefined, MQTT_TLS_CERT: undefined, MQTT_TLS_KEY: undefined };
        const error = await startMqtt({ ...deps, config: { ...base, ...settings } }).then(
          () => null,
          (refusal: unknown) => refusal,
        );
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems).toEqual(problems);
      },
    );
  });
});
