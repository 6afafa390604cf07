import { callServer as call, startServerBehindProxy, storedPointIdsThenDrop, type RunningServer } from './support/serverProcess';
import type { TcpProxy } from './support/tcpProxy';

const adminKey = `dakkio_a_${'O'.repeat(40)}`;

describe('database outage between server and database', () => {
  let proxy: TcpProxy;
  let server: RunningServer;
  let directUri: string;
  beforeAll(async () => {
    ({ server, proxy, directUri } = await startServerBehindProxy('outage', {
      DAKKIO_BOOTSTRAP_ADMIN_KEY: adminKey,
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: '1500',
      // Above the 10 s this test allows: the request deadline must not be what answers a request here.
      REQUEST_TIMEOUT_MS: '60000',
    }));
  });
  afterAll(async () => {
    await server?.stop();
    await proxy?.close();
  });

  it('answers 503 with Retry-After while cut, recovers without a restart, and loses no acknowledged point', async () => {
    const bucketId = (await call(server, 'POST', '/api/buckets', adminKey, { name: 'outage' })).body.bucket._id as string;
    const writeKey = (await call(server, 'POST', `/api/buckets/${bucketId}/keys`, adminKey, { name: 'w', type: 'write' })).body.apiKey
      .key as string;
    const dataSourceId = (await call(server, 'POST', `/api/buckets/${bucketId}/sources`, writeKey, { name: 's', schema: { n: 'number' } }))
      .body.dataSource._id as string;
    const ingest = (n: number) => call(server, 'POST', '/api/data', writeKey, { bucketId, dataSourceId, values: { n } });
    const query = () => call(server, 'POST', '/api/data/query', writeKey, { bucketId, dataSourceId });

    const acknowledged: string[] = [];
    const record = (res: Awaited<ReturnType<typeof ingest>>) => res.status === 201 && acknowledged.push(res.body.dataPoint._id as string);
    for (let n = 0; n < 5; n += 1) record(await ingest(n));
    expect(acknowledged).toHaveLength(5);

    await proxy.cut();
    const during = await Promise.all([ingest(100), ingest(101), query(), call(server, 'GET', '/ready')]);
    for (const res of during) {
      expect(res.status).toBe(503);
      expect(res.body.error).toBe('Service Unavailable');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(res.ms).toBeLessThan(10_000);
    }
    await call(server, 'GET', '/health').then((res) => expect(res.status).toBe(200));

    await proxy.restore();
    let recovered = false;
    for (let attempt = 0; attempt < 40 && !recovered; attempt += 1) {
      const res = await ingest(200 + attempt);
      record(res);
      recovered = res.status === 201;
      if (!recovered) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(recovered).toBe(true);
    expect((await call(server, 'GET', '/ready')).status).toBe(200);
    const afterwards = await query();
    expect(afterwards.status).toBe(200);

    const storedIds = await storedPointIdsThenDrop(directUri, bucketId);
    expect(acknowledged.filter((id) => !storedIds.has(id))).toEqual([]);
    expect(afterwards.body.metadata.total).toBe(storedIds.size);
  });
});
