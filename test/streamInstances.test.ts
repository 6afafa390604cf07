import mongoose, { Types } from 'mongoose';
import { pause } from './support/alertKit';
import {
  callServer as call,
  createFleet as createFleetOn,
  freshDatabaseUri,
  startServerProcess,
  type Fleet,
  type RunningServer,
} from './support/serverProcess';
import { openStream, type StreamClient } from './support/streamClient';

const adminKey = `dakkio_a_${'S'.repeat(40)}`;
let databaseUri: string;
let a: RunningServer;
let b: RunningServer;
const clients: StreamClient[] = [];

beforeAll(async () => {
  databaseUri = freshDatabaseUri('stream_instances');
  const env = { DAKKIO_BOOTSTRAP_ADMIN_KEY: adminKey, MONGODB_URI: databaseUri };
  [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
});
afterAll(async () => {
  for (const client of clients) client.close();
  await Promise.all([a?.stop(), b?.stop()]);
});

const createFleet = (server: RunningServer) => createFleetOn(server, adminKey);

const post = async (server: RunningServer, fleet: Fleet, temperature: number) => {
  const res = await call(server, 'POST', '/api/data', fleet.writeKey, {
    bucketId: fleet.bucketId,
    dataSourceId: fleet.sourceId,
    values: { temperature },
  });
  expect(res.status).toBe(201);
  return { id: res.body.dataPoint?._id ?? res.body._id, acknowledgedAt: Date.now() };
};

const subscribe = async (server: RunningServer, fleet: Fleet, headers: Record<string, string> = {}) => {
  const client = openStream(server.baseUrl, `/api/buckets/${fleet.bucketId}/stream`, fleet.readKey, headers);
  clients.push(client);
  await client.opened;
  return client;
};

describe('GET /api/buckets/:bucketId/stream across server processes on one database', () => {
  it('shows the feed mode in /ready', async () => {
    for (const server of [a, b]) expect((await call(server, 'GET', '/ready')).body).toEqual({ status: 'ready', liveStream: 'polling' });
    expect(a.output()).toContain('"liveStreamMode":"polling"');
  });

  it('delivers a point acknowledged by the other instance within 1 s, in order', async () => {
    const fleet = await createFleet(a);
    const client = await subscribe(a, fleet);
    const delays: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const { acknowledgedAt } = await post(b, fleet, i);
      await client.waitForPoints(i, 2000);
      delays.push(Date.now() - acknowledgedAt);
    }
    expect(client.points().map((point) => point.values.temperature)).toEqual([1, 2, 3, 4, 5]);
    expect(Math.max(...delays)).toBeLessThan(1000);
  });

  it('copies to the live-event log only the points of buckets some instance streams', async () => {
    const fleet = await createFleet(a);
    const loggedPoints = async () => {
      const connection = await mongoose.createConnection(databaseUri).asPromise();
      try {
        const events = await connection
          .collection('liveevents')
          .find({ bucketId: new Types.ObjectId(fleet.bucketId) })
          .toArray();
        return events.reduce((sum, event) => sum + (event.points as unknown[]).length, 0);
      } finally {
        await connection.close();
      }
    };
    await post(b, fleet, 1);
    await post(a, fleet, 2);
    await pause(300);
    expect(await loggedPoints()).toBe(0);
    const client = await subscribe(a, fleet);
    await post(b, fleet, 3);
    await post(a, fleet, 4);
    await client.waitForPoints(2, 2000);
    await pause(300);
    expect(await loggedPoints()).toBe(2);
    // The declaration outlives the stream, so a reconnect with Last-Event-ID finds every point since.
    client.close();
    await post(b, fleet, 5);
    await pause(300);
    expect(await loggedPoints()).toBe(3);
  });

  it('replays on one instance what was committed on the other while the client was away', async () => {
    const fleet = await createFleet(a);
    const first = await subscribe(a, fleet);
    await post(a, fleet, 1);
    await first.waitForPoints(1);
    const lastEventId = first.events[0]!.id;
    first.close();
    for (const temperature of [2, 3]) await post(b, fleet, temperature);
    await pause(200);
    const again = await subscribe(a, fleet, { 'Last-Event-ID': lastEventId });
    await post(b, fleet, 4);
    await again.waitForPoints(3);
    await pause(800);
    expect(again.points().map((point) => point.values.temperature)).toEqual([2, 3, 4]);
  });

  it('ends open streams on SIGTERM so the process exits at once', async () => {
    const env = { DAKKIO_BOOTSTRAP_ADMIN_KEY: adminKey, MONGODB_URI: freshDatabaseUri('stream_shutdown'), SHUTDOWN_TIMEOUT_MS: '5000' };
    const c = await startServerProcess(env);
    const own = await createFleet(c);
    const client = await subscribe(c, own);
    const started = Date.now();
    expect(await c.stop()).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(client.drops()).toBeGreaterThanOrEqual(1);
  });
});
