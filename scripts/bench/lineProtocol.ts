import { existsSync, readFileSync } from 'node:fs';
import { Types } from 'mongoose';
import { influxdPath, startInfluxd } from '../../e2e/support/influxd';
import { DataPointModel } from '../../src/modules/points/model';
import { pointDocuments, rawInsert, type Seed } from './fixtures';
import { type LineTarget, lineLoad, lineStream, runWorkers } from './lineLoad';
import { cpuSeconds } from './processes';

const start = Date.UTC(2025, 6, 1);
const tags = { device: 'dev-17', site: 'north' };

/** Rates (averaged over rounds), points and CPU seconds of the watched processes, summed over the rounds of one target. */
function tally(rounds: number, pids: (number | undefined)[]) {
  const total = { perSecond: 0, requestsPerSecond: 0, points: 0, cpu: pids.map(() => 0) };
  const read = () => pids.map((pid) => (pid ? cpuSeconds(pid) : Number.NaN));
  return {
    total,
    async add(run: () => Promise<{ perSecond: number; points: number; requestsPerSecond?: number }>) {
      const before = read();
      const result = await run();
      for (const [i, now] of read().entries()) total.cpu[i]! += now - before[i]!;
      total.perSecond += result.perSecond / rounds;
      total.requestsPerSecond += (result.requestsPerSecond ?? 0) / rounds;
      total.points += result.points;
    },
    /** CPU seconds per 100k points, per watched process. */
    cpuPer100k: () => total.cpu.map((seconds) => (seconds * 100_000) / total.points),
  };
}

/** The same points as a 1000-line body, as the documents dakkio stores for them, inserted 8-way like section A's baseline. */
function rawBatches(seed: Seed) {
  let next = 0;
  return async () => {
    const documents = pointDocuments(seed, 1000, start + next, 1);
    next += documents.length;
    for (const document of documents) {
      Object.assign(document.values, { ok: true });
      document.metadata = tags;
    }
    await rawInsert(documents);
    return documents.length;
  };
}

/** The pid of this process's child running `command`, from /proc, for its CPU time. */
function childPid(command: string): number | undefined {
  try {
    const children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    return children.find((pid) => pid > 0 && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === command);
  } catch {
    return undefined;
  }
}

async function influxCount(query: (db: string, q: string) => Promise<any>): Promise<number> {
  const answer = await query('bench', 'SELECT count("temperature") FROM "sensors"');
  return Number(answer?.results?.[0]?.series?.[0]?.values?.[0]?.[1] ?? 0);
}

/**
 * I: InfluxDB line protocol (issue 11). dakkio's POST /api/v2/write and, when Debian's
 * influxd is installed, a fresh InfluxDB 1.6.7 of this run get identical bodies: 1000-line
 * batches on 8 connections (against the raw insertMany ceiling of the same points, 8 ×
 * 1000 documents), then single lines on 64. The targets alternate in short rounds like B.
 * Every line sent must be stored: the counts are checked at the end.
 */
export async function lineProtocolIngest(baseUrl: string, seed: Seed, seconds: number, pids: { server?: number; database?: number }) {
  const rounds = 3;
  const roundSeconds = Math.max(2, Math.round(seconds / rounds));
  const influxd = existsSync(influxdPath) ? await startInfluxd() : undefined;
  try {
    const dakkio: LineTarget = {
      name: 'dakkio',
      url: `${baseUrl}/api/v2/write?bucket=${seed.bucketId}&precision=ms`,
      headers: { authorization: `Token ${seed.writeKey}` },
    };
    const influx: LineTarget | undefined = influxd && { name: 'influxd', url: `${influxd.url}/write?db=bench&precision=ms`, headers: {} };
    const created = await influxd?.query('bench', 'CREATE DATABASE "bench"');
    if (created?.results?.[0]?.error) throw new Error(`influxd CREATE DATABASE: ${JSON.stringify(created)}`);
    const streams = { dakkio: lineStream(start), influxd: lineStream(start) };
    const sent = { dakkio: 0, influxd: 0 };
    // The first write creates the data source; a second of batches warms both up.
    for (const [name, target] of [
      ['dakkio', dakkio],
      ['influxd', influx],
    ] as const) {
      if (!target) continue;
      sent[name] += (await lineLoad(target, streams[name], 1, 1, 0)).points;
      sent[name] += (await lineLoad(target, streams[name], 1000, 8, 1)).points;
    }
    const influxdPid = influxd && childPid('influxd');
    const batch = {
      dakkio: tally(rounds, [pids.server, pids.database]),
      raw: tally(rounds, [pids.database, process.pid]),
      influxd: tally(rounds, [influxdPid]),
    };
    const single = { dakkio: tally(rounds, [pids.server, pids.database]), influxd: tally(rounds, [influxdPid]) };
    const raws = rawBatches(seed);
    for (let round = 0; round < rounds; round += 1) {
      await batch.dakkio.add(() => lineLoad(dakkio, streams.dakkio, 1000, 8, roundSeconds));
      await batch.raw.add(() => runWorkers(8, roundSeconds, raws));
      if (influx) await batch.influxd.add(() => lineLoad(influx, streams.influxd, 1000, 8, roundSeconds));
    }
    for (let round = 0; round < rounds; round += 1) {
      await single.dakkio.add(() => lineLoad(dakkio, streams.dakkio, 1, 64, roundSeconds));
      if (influx) await single.influxd.add(() => lineLoad(influx, streams.influxd, 1, 64, roundSeconds));
    }
    sent.dakkio += batch.dakkio.total.points + single.dakkio.total.points;
    sent.influxd += batch.influxd.total.points + single.influxd.total.points;
    const stored = {
      dakkio: await DataPointModel.collection.countDocuments({
        bucketId: new Types.ObjectId(seed.bucketId),
        dataSourceId: { $ne: new Types.ObjectId(seed.sourceId) },
      }),
      influxd: influxd ? await influxCount(influxd.query) : 0,
    };
    if (stored.dakkio !== sent.dakkio || stored.influxd !== sent.influxd) {
      throw new Error(`points sent ${JSON.stringify(sent)} but stored ${JSON.stringify(stored)}`);
    }
    return {
      influxd: Boolean(influxd),
      influxdPath,
      batch: { dakkio: batch.dakkio.total.perSecond, raw: batch.raw.total.perSecond, influxd: batch.influxd.total.perSecond },
      cpuPer100k: { dakkio: batch.dakkio.cpuPer100k(), raw: batch.raw.cpuPer100k(), influxd: batch.influxd.cpuPer100k()[0]! },
      single: { dakkio: single.dakkio.total.requestsPerSecond, influxd: single.influxd.total.requestsPerSecond },
      /** CPU ms per single-line request. */
      singleCpuMs: { dakkio: single.dakkio.cpuPer100k().map((s) => s / 100), influxd: single.influxd.cpuPer100k()[0]! / 100 },
      stored,
    };
  } finally {
    await influxd?.stop();
  }
}
