import type { Client } from 'aedes';

interface PacketParser {
  packet: { length: number };
  _parseLength: () => boolean;
  _emitError: (error: Error) => undefined;
}

/**
 * aedes (through mqtt-packet) buffers a whole packet, up to MQTT's 256 MB, before handing it
 * on, even a CONNECT from a client that has not authenticated. This refuses a packet as soon
 * as its header declares more than `maxBytes`: the parser's error closes the connection.
 * It wraps a private step of mqtt-packet's parser (aedes 1.2.0 is pinned exactly; the tests
 * send an oversized packet, so an upgrade that changes the parser fails them).
 */
export function limitPacketSize(client: Client, maxBytes: number): void {
  const parser = (client as unknown as { _parser?: Partial<PacketParser> })._parser;
  const parseLength = parser?._parseLength;
  if (!parser || typeof parseLength !== 'function' || typeof parser._emitError !== 'function') {
    throw new Error('aedes changed: its packet parser cannot be limited');
  }
  parser._parseLength = function (this: PacketParser) {
    const parsed = parseLength.call(this);
    if (parsed && this.packet.length > maxBytes) return this._emitError(new Error(`packet over ${maxBytes} bytes`)) ?? false;
    return parsed;
  };
}
