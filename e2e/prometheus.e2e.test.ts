import { type Prometheus, startPrometheus } from './support/prometheus';
import { connectDevice, mqttUrl } from '../test/support/mqttClient';
import { createDataSource, createTenant } from '../test/support/tenants';
import { useTestApp } from '../test/support/testApp';

/**
 * GET /metrics scraped by a real Prometheus (Debian's 2.42), with the README's scrape config
 * and METRICS_TOKEN set: the target is up, and Prometheus's own query of the ingest counter
 * returns the number of points this test stored, by transport (MQTT included), and the MQTT
 * messages by outcome.
 */

const token = 'e2e-metrics-token-0123456789';
const app = useTestApp({ METRICS_TOKEN: token, MQTT_PORT: '0' });
let prometheus: Prometheus | undefined;

beforeAll(async () => {
  const port = new URL(app().http.get('/').url).port;
  prometheus = await startPrometheus({ address: `127.0.0.1:${port}`, bearerToken: token });
});
afterAll(() => prometheus?.stop());

/** Prometheus's series as { label value: number }, keys sorted, so answers compare whatever order they came in. */
const byLabel = (result: { metric: Record<string, string>; value: [number, string] }[], label: string) =>
  Object.fromEntries(result.map((r) => [r.metric[label]!, Number(r.value[1])] as const).sort(([a], [b]) => a.localeCompare(b)));

/** Asks until `read` answers `expected` or the time is up; returns the last answer. */
async function eventually<T>(read: () => Promise<T>, expected: T, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (JSON.stringify(last) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    last = await read();
  }
  return last;
}

describe('GET /metrics scraped by Prometheus', () => {
  it('is an up target, and sum(dakkio_points_ingested_total{result="stored"}) is the number of points sent', async () => {
    const p = prometheus!;
    const targetHealth = async () => {
      const { activeTargets } = await p.api('targets');
      return activeTargets.map((target: { health: string; lastError: string }) => ({ health: target.health, lastError: target.lastError }));
    };
    expect(await eventually(targetHealth, [{ health: 'up', lastError: '' }])).toEqual([{ health: 'up', lastError: '' }]);

    const tenant = await createTenant(app());
    const sourceId = await createDataSource(app(), tenant.adminKey, tenant.bucketId);
    const batch = Array.from({ length: 25 }, (_, i) => ({
      dataSourceId: sourceId,
      timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      values: { temperature: 20 + i / 10 },
    }));
    await app()
      .http.post('/api/data/batch')
      .set('X-API-Key', tenant.writeKey)
      .send({ bucketId: tenant.bucketId, dataPoints: batch })
      .expect(201);
    const lines = Array.from({ length: 12 }, (_, i) => `room,floor=1 t=${i} ${1767225600 + i}`).join('\n');
    await app()
      .http.post(`/api/v2/write?bucket=${tenant.bucketId}&precision=s`)
      .set('Authorization', `Token ${tenant.adminKey}`)
      .send(lines)
      .expect(204);
    const device = await connectDevice(mqttUrl(app().mqtt!.port), tenant.writeKey);
    const points = Array.from({ length: 5 }, (_, i) => ({ values: { temperature: i } }));
    await device.publishAsync(`dakkio/sources/${sourceId}/points`, JSON.stringify(points), { qos: 1 });
    await device.publishAsync(`dakkio/sources/${sourceId}/points`, 'not json', { qos: 1 });
    await device.endAsync();
    const sent = 25 + 12 + 5;

    const stored = async () => {
      const { result } = await p.api('query', { query: 'sum(dakkio_points_ingested_total{result="stored"})' });
      return result.length === 0 ? null : Number(result[0].value[1]);
    };
    expect(await eventually(stored, sent)).toBe(sent);
    const byTransport = async () => {
      const { result } = await p.api('query', { query: 'sum by (transport) (dakkio_points_ingested_total{result="stored"})' });
      return byLabel(result, 'transport');
    };
    expect(await eventually(byTransport, { http: 0, 'http-batch': 25, 'line-protocol': 12, mqtt: 5 })).toEqual({
      http: 0,
      'http-batch': 25,
      'line-protocol': 12,
      mqtt: 5,
    });
    const mqttMessages = async () => {
      const { result } = await p.api('query', { query: 'sum by (result) (dakkio_mqtt_messages_total)' });
      return Object.fromEntries(
        result.map((r: { metric: { result: string }; value: [number, string] }) => [r.metric.result, Number(r.value[1])]),
      );
    };
    const expectedMessages = { failed: 0, invalid: 1, refused: 0, stored: 1 };
    expect(await eventually(mqttMessages, expectedMessages)).toEqual(expectedMessages);
    const up = await p.api('query', { query: 'dakkio_database_up' });
    expect(Number(up.result[0].value[1])).toBe(1);
  });
});
