import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

/** MQTT.js as devices use it, speaking 3.1.1 (aedes 1.x refuses MQTT 5), without reconnecting unless asked. */
export async function connectDevice(url: string, key: string, options: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, { username: key, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options });
}

export const mqttUrl = (port: number, scheme = 'mqtt') => `${scheme}://127.0.0.1:${port}`;

/** Resolves with 'acknowledged' on PUBACK, or 'closed' when the broker closes the connection instead. */
export async function publishOutcome(
  client: MqttClient,
  topic: string,
  payload: string,
  qos: 0 | 1 = 1,
): Promise<'acknowledged' | 'closed'> {
  const closed = new Promise<'closed'>((resolve) => client.once('close', () => resolve('closed')));
  const acknowledged = client.publishAsync(topic, payload, { qos }).then(() => 'acknowledged' as const);
  return Promise.race([acknowledged, closed]);
}

/** The messages a client receives on a topic, in order, as parsed JSON. */
export function collectMessages(client: MqttClient, topic: string): unknown[] {
  const received: unknown[] = [];
  client.on('message', (at, payload) => {
    if (at === topic) received.push(JSON.parse(payload.toString('utf8')));
  });
  return received;
}

/** The QoS each filter was granted (128: refused). MQTT.js rejects a SUBACK holding a refusal, with the packet attached. */
export async function grantedQos(client: MqttClient, topics: string[]): Promise<number[]> {
  try {
    const granted = await client.subscribeAsync(topics, { qos: 1 });
    return granted.map((grant) => grant.qos);
  } catch (error) {
    const packet = (error as { packet?: { granted?: number[] } }).packet;
    if (!packet?.granted) throw error;
    return packet.granted;
  }
}
