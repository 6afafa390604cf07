import mongoose, { Types } from 'mongoose';
import { freshDatabaseUri, startServerProcess } from './support/serverProcess';

const adminKey = `dakkio_a_${'S'.repeat(40)}`;

async function post(baseUrl: string, path: string, key: string, body: unknown) {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe('SIGTERM during ingest', () => {
  it('finishes in-flight requests, writes every acknowledged point, and exits 0', async () => {
    const uri = freshDatabaseUri('shutdown');
    const server = await startServerProcess({ MONGODB_URI: uri, DAKKIO_BOOTSTRAP_ADMIN_KEY: adminKey, GROUP_COMMIT_WINDOW_MS: '20' });
    const { body: created } = await post(server.baseUrl, '/api/buckets', adminKey, { name: 'shutdown' });
    const bucketId = created.bucket._id as string;
    const { body: key } = await post(server.baseUrl, `/api/buckets/${bucketId}/keys`, adminKey, { name: 'w', type: 'write' });
    const writeKey = key.apiKey.key as string;
    const { body: source } = await post(server.baseUrl, `/api/buckets/${bucketId}/sources`, writeKey, { name: 's', schema: { n: 'number' } });
    const dataSourceId = source.dataSource._id as string;

    // A burst of single-point ingests (held in 20 ms group-commit windows), SIGTERM in the middle of it.
    const burst = Array.from({ length: 300 }, (_, n) =>
      post(server.baseUrl, '/api/data', writeKey, { bucketId, dataSourceId, values: { n } }).catch(() => null),
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    const exitCode = server.stop();
    const answers = await Promise.all(burst);
    expect(await exitCode).toBe(0);

    const acknowledged = answers.filter((answer) => answer?.status === 201).map((answer) => answer!.body.dataPoint._id as string);
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(answers.every((answer) => answer === null || [201, 503].includes(answer.status))).toBe(true);

    const connection = await mongoose.createConnection(uri).asPromise();
    try {
      const stored = await connection
        .collection('datapoints')
        .find({ bucketId: new Types.ObjectId(bucketId) }, { projection: { _id: 1 } })
        .toArray();
      const storedIds = new Set(stored.map((point) => point._id.toHexString()));
      expect(acknowledged.filter((id) => !storedIds.has(id))).toEqual([]);
    } finally {
      await connection.dropDatabase();
      await connection.close();
    }
    expect(server.output()).toContain('"msg":"shutdown complete"');
  });
});
