import { callServer, freshDatabaseUri, startServerProcess, storedPointIdsThenDrop } from './support/serverProcess';

const adminKey = `dakkio_a_${'S'.repeat(40)}`;

describe('SIGTERM during ingest', () => {
  it('finishes in-flight requests, writes every acknowledged point, and exits 0', async () => {
    const uri = freshDatabaseUri('shutdown');
    const server = await startServerProcess({ MONGODB_URI: uri, DAKKIO_BOOTSTRAP_ADMIN_KEY: adminKey, GROUP_COMMIT_WINDOW_MS: '20' });
    const { body: created } = await callServer(server, 'POST', '/api/buckets', adminKey, { name: 'shutdown' });
    const bucketId = created.bucket._id as string;
    const { body: key } = await callServer(server, 'POST', `/api/buckets/${bucketId}/keys`, adminKey, { name: 'w', type: 'write' });
    const writeKey = key.apiKey.key as string;
    const { body: source } = await callServer(server, 'POST', `/api/buckets/${bucketId}/sources`, writeKey, {
      name: 's',
      schema: { n: 'number' },
    });
    const dataSourceId = source.dataSource._id as string;

    // A burst of single-point ingests (held in 20 ms group-commit windows), SIGTERM in the middle of it.
    const burst = Array.from({ length: 300 }, (_, n) =>
      callServer(server, 'POST', '/api/data', writeKey, { bucketId, dataSourceId, values: { n } }).catch(() => null),
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    const exitCode = server.stop();
    const answers = await Promise.all(burst);
    expect(await exitCode).toBe(0);

    const acknowledged = answers.filter((answer) => answer?.status === 201).map((answer) => answer!.body.dataPoint._id as string);
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(answers.every((answer) => answer === null || [201, 503].includes(answer.status))).toBe(true);

    const storedIds = await storedPointIdsThenDrop(uri, bucketId);
    expect(acknowledged.filter((id) => !storedIds.has(id))).toEqual([]);
    expect(server.output()).toContain('"msg":"shutdown complete"');
  });
});
