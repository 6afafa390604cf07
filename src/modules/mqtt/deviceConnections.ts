import type { KeyStatusCheck } from '../keys/keyStatus';

/** What the registry needs of a connection: a way to end it. */
export interface DeviceConnection {
  close: () => void;
}

export interface DeviceConnections {
  /** False when the key already holds `maxPerKey` connections on this instance. */
  add: (keyId: string, connection: DeviceConnection) => boolean;
  remove: (keyId: string, connection: DeviceConnection) => void;
  size: () => number;
  /** Closes the connections of keys that were deleted or expired since they connected; returns how many. */
  closeRevoked: () => Promise<number>;
  closeAll: () => void;
}

/**
 * The MQTT connections of this instance by key: the per-key cap, and the periodic check
 * that ends connections whose key is gone (one batched read for every connected key).
 */
export function createDeviceConnections(options: { maxPerKey: number; keyIsActive: KeyStatusCheck }): DeviceConnections {
  const byKey = new Map<string, Set<DeviceConnection>>();
  let size = 0;
  return {
    add: (keyId, connection) => {
      const held = byKey.get(keyId) ?? new Set();
      if (held.size >= options.maxPerKey) return false;
      held.add(connection);
      byKey.set(keyId, held);
      size += 1;
      return true;
    },
    remove: (keyId, connection) => {
      const held = byKey.get(keyId);
      if (!held?.delete(connection)) return;
      size -= 1;
      if (held.size === 0) byKey.delete(keyId);
    },
    size: () => size,
    closeRevoked: async () => {
      const keyIds = [...byKey.keys()];
      const active = await Promise.all(keyIds.map((keyId) => options.keyIsActive(keyId)));
      let closed = 0;
      keyIds.forEach((keyId, i) => {
        if (active[i]) return;
        for (const connection of byKey.get(keyId) ?? []) {
          connection.close();
          closed += 1;
        }
      });
      return closed;
    },
    closeAll: () => {
      for (const held of byKey.values()) for (const connection of held) connection.close();
    },
  };
}
