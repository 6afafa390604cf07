import { Types } from 'mongoose';
import mqtt, { type MqttClient } from 'mqtt';
import { DataPointModel } from '../../src/modules/points/model';
import type { Seed } from './fixtures';
import { singleIngestLoad } from './load';

const connections = 64;
/** A publish still without PUBACK after this long counts as lost: the bench stops instead of hanging. */
const ackTimeoutMs = 30_000;

/** Points stored for the source once nothing more is arriving (the last HTTP requests of a phase may still be writing). */
async function settledCount(sourceId: string): Promise<number> {
  const filter = { dataSourceId: new Types.ObjectId(sourceId) };
  let count = await DataPointModel.collection.countDocuments(filter);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await DataPointModel.collection.countDocuments(filter);
    if (now === count) return count;
    count = now;
  }
}

/**
 * 64 kept-open MQTT connections, each publishing QoS 1 one at a time: the next PUBLISH goes
 * once the previous one's PUBACK arrived. A connection that closes, or a publish left without
 * PUBACK, fails the phase (a PUBACK means stored, so nothing may go missing in between).
 */
function mqttPublisher(clients: MqttClient[], sourceId: string) {
  const topic = `dakkio/sources/${sourceId}/points`;
  const payload = JSON.stringify({ values: { temperature: 21.5, humidity: 40 } });
  let ending = false;
  let failure: Error | undefined;
  // MQTT.js neither calls back nor rejects a QoS 1 publish whose connection closed: its waiter is rejected here.
  const inFlight: ({ sentAt: number; reject: (error: Error) => void } | undefined)[] = clients.map(() => undefined);
  const fail = (error: Error) => {
    failure ??= error;
    for (const publish of inFlight) publish?.reject(failure);
  };
  clients.forEach((client, index) => {
    client.on('error', (error) => fail(new Error(`mqtt connection ${index}: ${error.message}`)));
    client.on('close', () => {
      if (!ending) fail(new Error(`mqtt connection ${index} was closed by the server during the run`));
    });
  });
  const publish = (index: number) =>
    new Promise<void>((resolve, reject) => {
      if (failure) return reject(failure);
      inFlight[index] = { sentAt: performance.now(), reject };
      clients[index]!.publish(topic, payload, { qos: 1 }, (error) => {
        inFlight[index] = undefined;
        if (error) reject(error);
        else resolve();
      });
    });

  const phase = async (seconds: number, latencies?: number[]) => {
    let acknowledged = 0;
    const watchdog = setInterval(() => {
      const oldest = Math.min(...inFlight.map((publish) => publish?.sentAt ?? Number.POSITIVE_INFINITY));
      if (performance.now() - oldest > ackTimeoutMs) fail(new Error(`a QoS 1 publish got no PUBACK within ${ackTimeoutMs} ms`));
    }, 1000);
    const started = performance.now();
    const until = started + seconds * 1000;
    try {
      await Promise.all(
        clients.map(async (_client, index) => {
          while (performance.now() < until && !failure) {
            const at = performance.now();
            await publish(index);
            latencies?.push(performance.now() - at);
            acknowledged += 1;
          }
        }),
      );
    } finally {
      clearInterval(watchdog);
    }
    if (failure) throw failure;
    // Every publish of the phase was acknowledged, including those that finished after `until`.
    return { acknowledged, perSecond: acknowledged / ((performance.now() - started) / 1000) };
  };
  const end = async () => {
    ending = true;
    await Promise.all(clients.map((client) => client.endAsync(!client.connected)));
  };
  return { phase, end };
}

/**
 * L: QoS 1 publishes from 64 kept-open MQTT connections vs HTTP single-point ingest (POST
 * /api/data) on 64 connections, to the same server and source. They take turns in short
 * rounds, after a warm-up each, as B and J do. Around each MQTT phase the points stored for
 * the source are counted: every acknowledged publish must have been stored.
 */
export async function mqttVsHttpIngest(baseUrl: string, mqttUrl: string, seed: Seed, seconds: number) {
  const http = async (roundSeconds: number) => {
    const result = await singleIngestLoad(baseUrl, seed, roundSeconds);
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`single ingest failed: ${JSON.stringify(result)}`);
    return result.requestsPerSecond;
  };
  const clients = await Promise.all(
    Array.from({ length: connections }, () =>
      mqtt.connectAsync(mqttUrl, { username: seed.writeKey, protocolVersion: 4, reconnectPeriod: 0 }),
    ),
  );
  const publisher = mqttPublisher(clients, seed.sourceId);
  let [acknowledged, stored] = [0, 0];
  const measuredMqtt = async (roundSeconds: number, latencies?: number[]) => {
    const before = await settledCount(seed.sourceId);
    const result = await publisher.phase(roundSeconds, latencies);
    const after = await DataPointModel.collection.countDocuments({ dataSourceId: new Types.ObjectId(seed.sourceId) });
    acknowledged += result.acknowledged;
    stored += after - before;
    if (after - before < result.acknowledged) {
      throw new Error(`mqtt: ${result.acknowledged} publishes acknowledged but only ${after - before} points stored`);
    }
    return result.perSecond;
  };

  try {
    await http(1);
    await measuredMqtt(1);
    const rounds = 3;
    const roundSeconds = Math.max(2, Math.round(seconds / rounds));
    const latencies: number[] = [];
    let [mqttTotal, httpTotal] = [0, 0];
    for (let round = 0; round < rounds; round += 1) {
      // Alternate which goes first, so neither always follows the other's database backlog.
      const mqttFirst = round % 2 === 0;
      if (mqttFirst) mqttTotal += await measuredMqtt(roundSeconds, latencies);
      httpTotal += await http(roundSeconds);
      if (!mqttFirst) mqttTotal += await measuredMqtt(roundSeconds, latencies);
    }
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
    return {
      mqtt: mqttTotal / rounds,
      http: httpTotal / rounds,
      ratio: mqttTotal / httpTotal,
      p50: at(0.5),
      p99: at(0.99),
      acknowledged,
      stored,
    };
  } finally {
    await publisher.end();
  }
}
