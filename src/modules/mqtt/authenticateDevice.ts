import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import type { KeyVerifier, VerifiedKey } from '../keys/verifyKey';
import type { Metrics } from '../metrics/metrics';
import type { DeviceConnections } from './deviceConnections';
import type { LiveSubscriptions } from './liveSubscriptions';

/** CONNACK return codes of MQTT 3.1.1 (§3.2.2.3). */
const serverUnavailable = 3;
const badUsernameOrPassword = 4;
const refuseConnection = (returnCode: number, message: string) => Object.assign(new Error(message), { returnCode }) as AuthenticateError;

export interface AuthenticatePorts {
  verifyKey: KeyVerifier;
  connections: DeviceConnections;
  live: LiveSubscriptions;
  metrics: Metrics | null;
}

/**
 * CONNECT (api.md §14): the key is the password, or the username when there is no password,
 * checked by the same verifier as HTTP's. A bad key is CONNACK 4; a key at its connection
 * cap, or one that cannot be checked now (the database), CONNACK 3, which devices retry.
 * The verified key is kept in `keys` for the connection's publishes and subscriptions.
 */
export function createDeviceAuthenticator(ports: AuthenticatePorts, keys: WeakMap<Client, VerifiedKey>): AedesOptions['authenticate'] {
  return (client, username, password, done) => {
    const presented = password && password.length > 0 ? password.toString('utf8') : (username ?? '');
    ports.verifyKey(presented).then(
      (verification) => {
        if (!verification.valid) return done(refuseConnection(badUsernameOrPassword, 'bad key'), false);
        if (client.conn.destroyed) return done(refuseConnection(serverUnavailable, 'gone'), false);
        const key = verification.key;
        const connection = { close: () => client.close() };
        if (!ports.connections.add(key.id, connection)) {
          return done(refuseConnection(serverUnavailable, 'too many connections for this key'), false);
        }
        keys.set(client, key);
        ports.metrics?.mqttConnections(1);
        client.conn.once('close', () => {
          ports.connections.remove(key.id, connection);
          ports.live.removeAll(client);
          ports.metrics?.mqttConnections(-1);
        });
        done(null, true);
      },
      () => done(refuseConnection(serverUnavailable, 'key could not be checked'), false),
    );
  };
}
