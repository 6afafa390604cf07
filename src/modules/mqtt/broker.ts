import { Aedes, type Client, type PublishPacket } from 'aedes';
import { publicErrorBody } from '../../http/errorBody';
import type { Logger } from '../../logger';
import { DomainError, type ErrorCode, isDomainError } from '../../shared/errors';
import type { VerifiedKey } from '../keys/verifyKey';
import type { UsageMeter } from '../usage/usageMeter';
import { type AuthenticatePorts, createDeviceAuthenticator } from './authenticateDevice';
import { type PublishPorts, publishPoints } from './publishPoints';
import { limitPacketSize } from './packetSizeLimit';
import { bucketOfSource } from './sourceAccess';
import { parseSourceTopic, topicOf } from './topics';

export interface BrokerPorts extends PublishPorts, AuthenticatePorts {
  usage: UsageMeter;
  logger: Logger;
}

export interface MqttBroker {
  handle: Aedes['handle'];
  /** Refuses new connections, lets every write in flight finish and be acknowledged, then closes the connections. */
  drain: () => Promise<void>;
}

/** Refusals: the publish is not the device's to make. Anything else that fails is the database's (failed). */
const refusals = new Set<ErrorCode>(['FORBIDDEN', 'RATE_LIMITED', 'DATA_SOURCE_NOT_FOUND', 'BUCKET_NOT_FOUND']);
/** Where an acknowledged device message goes instead of its topic: nobody may subscribe there, so raw payloads reach no one. */
const swallowedTopic = '$dakkio/acknowledged';

/** Room for a PUBLISH's topic, packet id and fixed header beyond its payload. */
const packetOverheadBytes = 1024;
/** Publishes one connection may have waiting for the database; past it the connection is closed (the device resends). */
export const maxPublishesInFlightPerConnection = 100;

const livePacket = (topic: string, payload: string): PublishPacket => ({
  cmd: 'publish',
  topic,
  payload,
  qos: 0,
  retain: false,
  dup: false,
});

/**
 * The embedded aedes broker of api.md §14. A PUBLISH is written in `authorizePublish`, the
 * one hook aedes runs before it sends the PUBACK, so a PUBACK means the database
 * acknowledged the points; calling back with an error closes the connection unacknowledged.
 */
export async function createMqttBroker(ports: BrokerPorts): Promise<MqttBroker> {
  const keys = new WeakMap<Client, VerifiedKey>();
  const inFlightOf = new WeakMap<Client, number>();
  let draining = false;
  let inFlight = 0;
  let whenIdle: (() => void) | undefined;
  const settled = () => {
    inFlight -= 1;
    if (inFlight === 0) whenIdle?.();
  };

  const broker = await Aedes.createBroker({
    preConnect: (_client, packet, done) => {
      // A Last Will would be published to a points topic when the device drops: not a reading.
      packet.will = undefined;
      // Sessions are not kept: another instance could not resume them, and a restored
      // subscription would bypass authorizeSubscribe, which starts the live feed.
      packet.clean = true;
      done(draining ? new Error('shutting down') : null, !draining);
    },
    authenticate: createDeviceAuthenticator(ports, keys),
    authorizePublish: (client, packet, done) => {
      const key = client ? keys.get(client) : undefined;
      const topic = parseSourceTopic(packet.topic);
      if (!client || !key || topic?.channel !== 'points') {
        ports.metrics?.mqttMessage('refused');
        return done(new Error('topic refused'));
      }
      // aedes reads on while publishes wait, so a client that pipelines without limit is stopped here.
      const waiting = inFlightOf.get(client) ?? 0;
      if (waiting >= maxPublishesInFlightPerConnection) {
        ports.metrics?.mqttMessage('refused');
        return done(new Error('too many publishes in flight'));
      }
      inFlightOf.set(client, waiting + 1);
      // Each PUBLISH is one API call of the organization, as an HTTP ingest request is.
      ports.usage.count(key.organizationId);
      inFlight += 1;
      publishPoints(key, topic.sourceId, packet.payload as Buffer, ports)
        .then((outcome) => {
          if ('invalid' in outcome) {
            ports.metrics?.mqttMessage('invalid');
            const reason = JSON.stringify(publicErrorBody(outcome.invalid));
            broker.publish(livePacket(topicOf(topic.sourceId, 'errors'), reason), () => undefined);
          } else {
            ports.metrics?.mqttMessage('stored');
          }
          packet.topic = swallowedTopic;
          packet.retain = false;
          done(null);
        })
        .catch((error: unknown) => {
          const refused = isDomainError(error) && refusals.has(error.code);
          ports.metrics?.mqttMessage(refused ? 'refused' : 'failed');
          if (!refused) ports.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'mqtt publish not stored');
          done(error instanceof Error ? error : new DomainError('INTERNAL'));
        })
        .finally(() => {
          inFlightOf.set(client, (inFlightOf.get(client) ?? 1) - 1);
          settled();
        });
    },
    authorizeSubscribe: (client, subscription, done) => {
      const key = keys.get(client);
      const topic = parseSourceTopic(subscription.topic);
      if (!key || !topic || !key.scopes.includes('data:read')) return done(null, null);
      bucketOfSource(key, topic.sourceId, ports)
        .then(async (bucket) => {
          if (topic.channel === 'points') {
            const send = (to: string, payload: string) => client.publish(livePacket(to, payload), () => undefined);
            await ports.live.add(client, bucket._id.toHexString(), topic.sourceId, send);
            // The wait for every instance to feed the bucket can outlast the connection, whose close already cleaned up.
            if (client.closed || client.conn.destroyed) ports.live.removeAll(client);
          }
          // Live points go out at QoS 0 whatever was asked (a live feed, never queued for an offline
          // session), though aedes 1.x repeats the requested QoS in the SUBACK.
          done(null, subscription);
        })
        .catch(() => done(null, null));
    },
  });
  // Why a connection was closed or refused; the messages are the broker's and ours, never a key.
  broker.on('clientError', (_client, error) => ports.logger.debug({ err: error.message }, 'mqtt connection closed on an error'));
  broker.on('connectionError', (_client, error) => ports.logger.debug({ err: error.message }, 'mqtt connection refused'));
  broker.on('unsubscribe', (topics, client) => {
    for (const topic of topics) {
      const source = parseSourceTopic(topic);
      if (source?.channel === 'points') ports.live.remove(client, source.sourceId);
    }
  });

  return {
    handle: (stream, request) => {
      const client = broker.handle(stream, request);
      // A PUBLISH carries at most a payload of BODY_LIMIT_BYTES plus its topic and header.
      limitPacketSize(client, ports.maxPayloadBytes + packetOverheadBytes);
      return client;
    },
    drain: async () => {
      draining = true;
      // aedes has no typed way to stop reading a client; paused clients are closed below, never resumed.
      const clients = Object.values((broker as unknown as { clients: Record<string, { pause?: () => void }> }).clients);
      for (const client of clients) client.pause?.();
      if (inFlight > 0) await new Promise<void>((resolve) => (whenIdle = resolve));
      // The PUBACK of the last write is sent on the turn after its callback.
      await new Promise((resolve) => setImmediate(resolve));
      ports.connections.closeAll();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}
