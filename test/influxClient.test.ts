import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpError, InfluxDB, Point, setLogger } from '@influxdata/influxdb-client';
import { Types } from 'mongoose';
import { DataPointModel } from '../src/modules/points/model';
import { DataSourceModel } from '../src/modules/sources/model';
import { callServer, startServerBehindProxy, storedPointIdsThenDrop, type RunningServer } from './support/serverProcess';
import type { TcpProxy } from './support/tcpProxy';
import { createTenant } from './support/tenants';
import { useTestApp } from './support/testApp';

/**
 * The official InfluxDB 2.x JavaScript client (@influxdata/influxdb-client 1.35.0), written by
 * InfluxData, against dakkio's /api/v2/write: what it sends must be stored as it meant it.
 */

const app = useTestApp();
const quietLogger = { error: () => undefined, warn: () => undefined };

interface Seen {
  path: string;
  headers: http.IncomingHttpHeaders;
}

/** Forwards every request to the app unchanged and remembers what came, to see how the client sent it. */
async function startRecordingForwarder(targetPort: number) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    const forward = http.request(
      { host: '127.0.0.1', port: targetPort, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const appPort = () => Number(new URL(app().http.get('/').url).port);

async function storedBy(bucketId: string, measurement: string) {
  const source = await DataSourceModel.findOne({ bucketId: new Types.ObjectId(bucketId), name: measurement }).lean();
  if (!source) return [];
  const points = await DataPointModel.collection.find({ dataSourceId: source._id }).sort({ timestamp: 1 }).toArray();
  return points.map((point) => ({ time: (point.timestamp as Date).getTime(), values: point.values, metadata: point.metadata }));
}

beforeAll(() => setLogger(quietLogger));

describe('POST /api/v2/write with @influxdata/influxdb-client', () => {
  it('stores Points and raw records with their types, tags and times, gzipped past 1000 bytes', async () => {
    const tenant = await createTenant(app());
    const forwarder = await startRecordingForwarder(appPort());
    try {
      const client = new InfluxDB({ url: forwarder.url, token: tenant.writeKey });
      const writeApi = client.getWriteApi('any-org', tenant.bucketId, 'ms', { flushInterval: 0, maxRetries: 0 });
      const t0 = Date.UTC(2026, 5, 1, 12, 0, 0, 250);
      writeApi.writePoint(
        new Point('greenhouse')
          .tag('zone', 'north')
          .floatField('temperature', 21.25)
          .intField('count', 7)
          .booleanField('open', true)
          .stringField('note', 'a "quoted", note')
          .timestamp(new Date(t0)),
      );
      writeApi.writeRecord(`greenhouse,zone=south temperature=19.5 ${t0 + 1}`);
      await writeApi.flush();
      // Big enough to be gzipped by the client (its threshold is 1000 bytes).
      const many = Array.from({ length: 100 }, (_, i) =>
        new Point('bulk')
          .tag('device', `d${i % 7}`)
          .floatField('v', i / 4)
          .timestamp(new Date(t0 + i)),
      );
      writeApi.writePoints(many);
      await writeApi.close();

      expect(await storedBy(tenant.bucketId, 'greenhouse')).toEqual([
        { time: t0, values: { count: 7, note: 'a "quoted", note', open: true, temperature: 21.25 }, metadata: { zone: 'north' } },
        { time: t0 + 1, values: { temperature: 19.5 }, metadata: { zone: 'south' } },
      ]);
      const bulk = await storedBy(tenant.bucketId, 'bulk');
      expect(bulk.map((point) => [point.time - t0, point.values.v, point.metadata.device])).toEqual(
        Array.from({ length: 100 }, (_, i) => [i, i / 4, `d${i % 7}`]),
      );
      const writes = forwarder.seen.filter((request) => request.path.startsWith('/api/v2/write'));
      expect(writes.map((request) => request.headers['content-encoding'] ?? 'identity')).toEqual(['identity', 'gzip']);
      expect(writes[0]?.headers.authorization).toBe(`Token ${tenant.writeKey}`);
    } finally {
      await forwarder.close();
    }
  });

  it('gets a 400 HttpError it does not retry for bad points, after the good ones were stored', async () => {
    const tenant = await createTenant(app());
    const client = new InfluxDB({ url: `http://127.0.0.1:${appPort()}`, token: tenant.writeKey });
    const writeApi = client.getWriteApi('o', tenant.bucketId, 's', { flushInterval: 0, maxRetries: 3 });
    writeApi.writeRecords(['m v=1 1767225600', 'm v="s" 1767225601']);
    const failure = await writeApi.flush().then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(HttpError);
    expect((failure as HttpError).statusCode).toBe(400);
    expect(JSON.parse((failure as HttpError).body ?? '')).toMatchObject({ code: 'invalid', line: 2 });
    expect((await storedBy(tenant.bucketId, 'm')).map((point) => point.values)).toEqual([{ v: 1 }]);
    await writeApi.close().catch(() => undefined);
  });

  it('gets a 403 HttpError for a read key, without retrying', async () => {
    const tenant = await createTenant(app());
    const client = new InfluxDB({ url: `http://127.0.0.1:${appPort()}`, token: tenant.readKey });
    const writeApi = client.getWriteApi('o', tenant.bucketId, 'ms', { flushInterval: 0, maxRetries: 3 });
    writeApi.writeRecord('m v=1');
    const failure = (await writeApi.flush().catch((error: unknown) => error)) as HttpError;
    expect(failure.statusCode).toBe(403);
    expect(JSON.parse(failure.body ?? '')).toEqual({ code: 'forbidden', message: 'Only Admin and Write keys can write data' });
    await writeApi.close().catch(() => undefined);
  });
});

describe('POST /api/v2/write while the database is down', () => {
  const adminKey = `dakkio_a_${'I'.repeat(40)}`;
  let proxy: TcpProxy;
  let server: RunningServer;
  let directUri: string;

  beforeAll(async () => {
    ({ server, proxy, directUri } = await startServerBehindProxy('influx_outage', {
      DAKKIO_BOOTSTRAP_ADMIN_KEY: adminKey,
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: '1500',
      REQUEST_TIMEOUT_MS: '60000',
    }));
  });
  afterAll(async () => {
    await server?.stop();
    await proxy?.close();
  });

  it('answers 503 with Retry-After, and the client’s retry after the database returns is stored once', async () => {
    const bucketId = (await callServer(server, 'POST', '/api/buckets', adminKey, { name: 'outage' })).body.bucket._id as string;
    const writeKey = (await callServer(server, 'POST', `/api/buckets/${bucketId}/keys`, adminKey, { name: 'w', type: 'write' })).body.apiKey
      .key as string;
    const writeLines = (body: string) =>
      fetch(`${server.baseUrl}/api/v2/write?bucket=${bucketId}&precision=ms`, {
        method: 'POST',
        headers: { authorization: `Token ${writeKey}` },
        body,
      });
    expect((await writeLines('outage v=0 1767225600000')).status).toBe(204);

    await proxy.cut();
    const during = await writeLines('outage v=1 1767225600001');
    expect(during.status).toBe(503);
    expect(await during.json()).toEqual({ code: 'unavailable', message: 'Database unavailable, retry later' });
    const retryAfter = Number(during.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);

    // The client's first attempt fails while the database is still cut; it keeps the lines and
    // sends them again after Retry-After, which must then be stored.
    const retried: (() => void)[] = [];
    const written = new Promise<void>((resolve) => retried.push(resolve));
    const client = new InfluxDB({ url: server.baseUrl, token: writeKey });
    const writeApi = client.getWriteApi('o', bucketId, 'ms', { flushInterval: 0, maxRetries: 5, writeSuccess: () => retried[0]?.() });
    writeApi.writeRecord('outage v=2 1767225600002');
    const firstAttempt = await writeApi.flush().catch((error: unknown) => error);
    expect((firstAttempt as HttpError).statusCode).toBe(503);
    await proxy.restore();
    await written;
    await writeApi.close();

    const stored = await storedPointIdsThenDrop(directUri, bucketId);
    // v=0 before the cut and the client's retried v=2; the 503-answered v=1 was not stored.
    expect(stored.size).toBe(2);
  }, 40_000);
});
