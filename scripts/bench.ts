import { randomBytes } from 'node:crypto';
import mongoose, { Types } from 'mongoose';
import { ingestWithRulesRatio, webhookDelivery } from './bench/alerts';
import { connectMongoose } from '../src/db/connectMongoose';
import { startDatabase } from '../src/db/startDatabase';
import { generateKey } from '../src/modules/keys/keyFormat';
import { DataPointModel } from '../src/modules/points/model';
import { seedTenant } from './bench/fixtures';
import { healthDuringHeavyQueries } from './bench/healthDuringQueries';
import { lineProtocolIngest } from './bench/lineProtocol';
import { aggregationLatency, authLatency, batchIngestRatio, seconds, singleIngestRatio } from './bench/measurements';
import { cpuSeconds, peakRssMb, startChild } from './bench/processes';
import { streamFanOut } from './bench/stream';
import { analyticsLatency, instrumentationCost } from './bench/instrumentation';
import { mqttVsHttpIngest } from './bench/mqtt';

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/** A database of the benchmark's own on the given server, so a real MONGODB_URI's data is never touched. */
function benchDatabaseUri(serverUri: string): string {
  const url = new URL(serverUri);
  url.pathname = `/dakkio_bench_${Date.now()}`;
  return url.toString();
}

/**
 * `npm run bench`: starts the database (MONGODB_URI, else the embedded one, in a process of
 * its own exactly as the server starts it) and the server as a separate process, seeds a
 * tenant, and measures A-L side by side in this one run.
 */
async function main(): Promise<void> {
  const database = await startDatabase({ mongodbUri: process.env.MONGODB_URI });
  const dbUri = benchDatabaseUri(database.uri);
  const adminKey = generateKey('admin');
  const serverEnv = {
    MONGODB_URI: dbUri,
    PORT: '0',
    HOST: '127.0.0.1',
    DAKKIO_BOOTSTRAP_ADMIN_KEY: adminKey,
    WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64'),
    // F and G deliver to a receiver in this process.
    WEBHOOK_ALLOW_HTTP: 'true',
    WEBHOOK_ALLOWED_IPS: '127.0.0.1',
    RATE_LIMIT_PER_KEY: '1000000000',
    RATE_LIMIT_PER_IP: '1000000000',
    // H holds 500 streams with one read key.
    STREAM_MAX_PER_KEY: '1000',
    // L publishes over MQTT on any free port, which the server logs ("mqtt listening") before HTTP's line.
    MQTT_PORT: '0',
  };
  const listening = /"port":(?<mqtt>\d+)[^\n]*"mqtt listening"[\s\S]*?"port":(?<http>\d+)[^\n]*"dakkio-server listening"/;
  const server = await startChild('src/main.js', serverEnv, listening);
  const bare = await startChild('scripts/bench/bareServer.js', {}, /listening (\d+)/);
  const baseUrl = `http://127.0.0.1:${server.match.groups!.http}`;
  try {
    await connectMongoose({ uri: dbUri, serverSelectionTimeoutMS: 5000 });
    const seed = await seedTenant(baseUrl, adminKey);
    process.stdout.write(`bench: database ${database.kind} (pid ${database.pid ?? 'none of ours'}), server pid ${server.child.pid}\n`);

    const c = await authLatency(seed);
    process.stdout.write(`C auth: p50 ${c.authed.p50} ms vs ${c.open.p50} ms without, p99 ${c.authed.p99} vs ${c.open.p99}\n`);
    const databaseCpuSeconds = () => (database.pid ? cpuSeconds(database.pid) : Number.NaN);
    const cpuBefore = [cpuSeconds(server.child.pid!), databaseCpuSeconds()];
    const b = await singleIngestRatio(baseUrl, `http://127.0.0.1:${bare.match[1]}/`, seed);
    const [serverCpu, databaseCpu] = [cpuSeconds(server.child.pid!), databaseCpuSeconds()].map((now, i) => round(now - cpuBefore[i]!, 1));
    process.stdout.write(
      `B single ingest: ${round(b.ingestPerSecond, 0)} req/s vs bare Express ${round(b.barePerSecond, 0)} req/s (CPU s: server ${serverCpu}, database ${databaseCpu})\n`,
    );
    // J: the same server on the same database with metrics and usage metering off, running only while measured.
    const uninstrumented = await startChild('src/main.js', { ...serverEnv, METRICS_ENABLED: 'false', USAGE_METERING: 'false' }, listening);
    const j = await instrumentationCost(baseUrl, `http://127.0.0.1:${uninstrumented.match.groups!.http}`, seed, seconds).finally(
      uninstrumented.stop,
    );
    process.stdout.write(
      `J single ingest with metrics and usage metering on vs off: ${round(j.on, 0)} req/s vs ${round(j.off, 0)} req/s, on/off ${round(j.ratio)}, the median of 6 rounds ranging ${round(j.spread[0])}-${round(j.spread[1])} (goal ≥ 0.95)\n`,
    );
    const l = await mqttVsHttpIngest(baseUrl, `mqtt://127.0.0.1:${server.match.groups!.mqtt}`, seed, seconds);
    process.stdout.write(
      `L MQTT QoS 1 from 64 connections: ${round(l.mqtt, 0)} publishes/s vs HTTP single ingest ${round(l.http, 0)} req/s, mqtt/http ${round(l.ratio)} (goal ≥ 1.0); publish → PUBACK p50 ${round(l.p50, 1)} ms, p99 ${round(l.p99, 1)} ms (${l.acknowledged} publishes acknowledged, ${l.stored} points stored)\n`,
    );
    const a = await batchIngestRatio(baseUrl, seed);
    process.stdout.write(
      `A batch ingest: ${round(a.httpPointsPerSecond, 0)} points/s vs raw insertMany ${round(a.rawPointsPerSecond, 0)} points/s\n`,
    );

    await DataPointModel.collection.deleteMany({ dataSourceId: new Types.ObjectId(seed.sourceId) });
    const secondSource = await fetch(`${baseUrl}/api/buckets/${seed.bucketId}/sources`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': seed.writeKey },
      body: JSON.stringify({ name: 'bench day', schema: { temperature: 'number', humidity: 'number' } }),
    }).then((res) => res.json() as Promise<{ dataSource: { _id: string } }>);
    const d = await aggregationLatency(baseUrl, seed, secondSource.dataSource._id);
    process.stdout.write(`D aggregation over 100k points (avg by hour, 1 day): p50 ${round(d.p50, 1)} ms (${d.points} points stored)\n`);
    const k = await analyticsLatency(baseUrl, adminKey, seed);
    process.stdout.write(
      `K analytics: overview p50 ${round(k.overview.p50, 1)} ms, p99 ${round(k.overview.p99, 1)} ms (organization: ${k.overview.points} points); bucket 7d p50 ${round(k.bucket.p50, 1)} ms, p99 ${round(k.bucket.p99, 1)} ms (bucket: ${k.bucket.points} points, ${k.bucket.inPeriod} in the period)\n`,
    );
    const e = await healthDuringHeavyQueries(baseUrl, seed, { sourceId: secondSource.dataSource._id, ...d.range }, seconds);
    process.stdout.write(
      `E /health during count-by-minute queries over them: p50 ${round(e.p50, 1)} ms, p99 ${round(e.p99, 1)} ms, max ${round(e.max, 1)} ms (${e.calls} calls, ${e.queries} queries, query p50 ${round(e.queryP50, 0)} ms)\n`,
    );

    const f = await ingestWithRulesRatio(baseUrl, adminKey, seed, Math.max(2, Math.round(seconds / 3)));
    process.stdout.write(
      `F single ingest with 10 alert rules (1 firing): ${round(f.withRules, 0)} req/s vs ${round(f.without, 0)} req/s without (${f.triggered} webhooks)\n`,
    );
    const g = await webhookDelivery(baseUrl, adminKey, seed);
    process.stdout.write(
      `G webhooks: ${round(g.perSecond, 0)} deliveries/s; point sent → webhook received p50 ${round(g.latencyP50, 1)} ms, p99 ${round(g.latencyP99, 1)} ms\n`,
    );

    const idleBucket = await seedTenant(baseUrl, adminKey);
    const h1 = await streamFanOut(baseUrl, seed, idleBucket, Math.max(2, Math.round(seconds / 3)));
    process.stdout.write(
      `H1 single ingest with 500 streams open on another bucket: ${round(h1.withStreams, 0)} req/s vs ${round(h1.without, 0)} req/s without; 201 read → event p50 ${round(h1.delayP50, 1)} ms, p99 ${round(h1.delayP99, 1)} ms\n`,
    );
    const h2 = await streamFanOut(baseUrl, seed, seed, Math.max(2, Math.round(seconds / 3)));
    process.stdout.write(
      `H2 single ingest with 500 streams receiving every point: ${round(h2.withStreams, 0)} req/s vs ${round(h2.without, 0)} req/s without (${round(h2.eventsPerSecondPerStream, 0)} events/s per stream); 201 read → event p50 ${round(h2.delayP50, 1)} ms, p99 ${round(h2.delayP99, 1)} ms\n`,
    );

    const i = await lineProtocolIngest(baseUrl, await seedTenant(baseUrl, adminKey), seconds, {
      server: server.child.pid,
      database: database.pid,
    }).catch((error: unknown) => {
      process.exitCode = 1;
      process.stdout.write(`I line protocol: aborted: ${error instanceof Error ? error.message : String(error)}\n`);
      return undefined;
    });
    if (i) {
      const versus = (dakkio: number, influxd: number, unit: string) =>
        i.influxd
          ? `influxd 1.6.7 ${round(influxd, 0)} ${unit}, dakkio/influxd ${round(dakkio / influxd)}`
          : `influxd skipped (${i.influxdPath} not installed)`;
      const cpu = i.cpuPer100k;
      process.stdout.write(
        `I1 line protocol, 1000-line batches on 8 connections: dakkio ${round(i.batch.dakkio, 0)} points/s vs raw insertMany ${round(i.batch.raw, 0)} points/s, dakkio/raw ${round(i.batch.dakkio / i.batch.raw)} (goal ≥ 0.8); ${versus(i.batch.dakkio, i.batch.influxd, 'points/s')} (CPU s per 100k points: dakkio server ${round(cpu.dakkio[0]!)} + database ${round(cpu.dakkio[1]!)}; raw database ${round(cpu.raw[0]!)} + bench process ${round(cpu.raw[1]!)}${i.influxd ? `; influxd ${round(cpu.influxd)}` : ''})\n`,
      );
      process.stdout.write(
        `I2 line protocol, single lines on 64 connections: dakkio ${round(i.single.dakkio, 0)} req/s; ${versus(i.single.dakkio, i.single.influxd, 'req/s')} (CPU ms per request: dakkio server ${round(i.singleCpuMs.dakkio[0]!)} + database ${round(i.singleCpuMs.dakkio[1]!)}${i.influxd ? `; influxd ${round(i.singleCpuMs.influxd)}` : ''}; all stored: dakkio ${i.stored.dakkio} points, influxd ${i.stored.influxd})\n`,
      );
    }

    const rss = peakRssMb(server.child.pid!);
    process.stdout.write(
      `bench: A=${round(a.ratio)} B=${round(b.ratio)} C=${round(c.addedP50)}/${round(c.addedP99)} D=${round(d.p50, 1)} rss=${round(rss, 0)} E=${round(e.p99, 1)} F=${round(f.ratio)} G=${round(g.perSecond, 0)}/${round(g.latencyP50, 0)} H1=${round(h1.ratio)}/${round(h1.delayP99, 0)} H2=${round(h2.ratio)}/${round(h2.delayP99, 0)} I1=${i ? `${round(i.batch.dakkio / i.batch.raw)}/${i.influxd ? round(i.batch.dakkio / i.batch.influxd) : '-'}` : 'aborted'} I2=${i?.influxd ? round(i.single.dakkio / i.single.influxd) : '-'} J=${round(j.ratio)} K=${round(k.overview.p50, 0)}/${round(k.bucket.p50, 0)} L=${round(l.ratio)}/${round(l.p99, 1)}\n`,
    );
  } finally {
    await mongoose.connection.dropDatabase().catch(() => undefined);
    await mongoose.disconnect();
    await Promise.all([server.stop(), bare.stop()]);
    await database.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
