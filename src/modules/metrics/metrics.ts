import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ErrorCode } from '../../shared/errors';
import type { RuleState } from '../alerts/model';
import type { Transport } from '../ingest/pointsCommitted';
import type { DeliveryResult } from '../webhooks/attemptDelivery';

/** stored: acknowledged by the database; refused: the request's points were invalid; failed: the database did not take them. */
export type IngestResult = 'stored' | 'refused' | 'failed';

/** One answered HTTP request. `route` is a route template or `unmatched`, never a raw URL. */
export interface RequestSample {
  method: string;
  route: string;
  status: number;
  seconds: number;
  /** The domain error the request was answered with, if any. */
  errorCode?: ErrorCode;
}

/**
 * The counters and histograms this instance records. Labels are bounded sets (methods,
 * route templates, statuses, transports, states, error codes): never a key, key id or
 * bucket id, which would make a series per tenant.
 */
export interface Metrics {
  register: Registry;
  requestFinished: (sample: RequestSample) => void;
  pointsIngested: (transport: Transport, result: IngestResult, count: number) => void;
  groupCommitted: (points: number) => void;
  alertTransition: (from: RuleState, to: RuleState) => void;
  webhookAttempt: (result: DeliveryResult) => void;
  mqttConnections: (change: 1 | -1) => void;
  mqttMessage: (result: MqttMessageResult) => void;
}

const transports: readonly Transport[] = ['http', 'http-batch', 'line-protocol', 'mqtt'];
/** What became of an MQTT PUBLISH: stored; invalid (acknowledged and dropped); refused (connection closed); failed (the database). */
export type MqttMessageResult = 'stored' | 'invalid' | 'refused' | 'failed';
const mqttResults: readonly MqttMessageResult[] = ['stored', 'invalid', 'refused', 'failed'];
const ingestResults: readonly IngestResult[] = ['stored', 'refused', 'failed'];
const batchBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];

/** One registry per app instance, so several apps in one process (the tests) never share a series. */
export function createMetrics(): Metrics {
  const register = new Registry();
  collectDefaultMetrics({ register });
  const httpLabels = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'dakkio_http_requests_total',
    help: 'HTTP requests answered',
    labelNames: httpLabels,
    registers: [register],
  });
  const durations = new Histogram({
    name: 'dakkio_http_request_duration_seconds',
    help: 'Time from a request arriving to its answer being sent',
    labelNames: httpLabels,
    registers: [register],
  });
  const ingested = new Counter({
    name: 'dakkio_points_ingested_total',
    help: 'Points that reached the ingest pipeline, by transport and outcome',
    labelNames: ['transport', 'result'] as const,
    registers: [register],
  });
  const batches = new Histogram({
    name: 'dakkio_group_commit_batch_points',
    help: 'Points written per group-commit insert',
    buckets: batchBuckets,
    registers: [register],
  });
  const databaseErrors = new Counter({
    name: 'dakkio_database_errors_total',
    help: 'Requests answered 503 because the database was unavailable',
    registers: [register],
  });
  const authFailures = new Counter({ name: 'dakkio_auth_failures_total', help: 'Requests answered 401', registers: [register] });
  const rateLimited = new Counter({
    name: 'dakkio_rate_limited_requests_total',
    help: 'Requests answered 429, by the limit that refused them',
    labelNames: ['code'] as const,
    registers: [register],
  });
  const transitions = new Counter({
    name: 'dakkio_alert_transitions_total',
    help: 'Alert rule state changes made by this instance',
    labelNames: ['from', 'to'] as const,
    registers: [register],
  });
  const deliveries = new Counter({
    name: 'dakkio_webhook_deliveries_total',
    help: 'Webhook delivery attempts made by this instance, by outcome',
    labelNames: ['result'] as const,
    registers: [register],
  });
  const mqttConnections = new Gauge({
    name: 'dakkio_mqtt_connections',
    help: 'MQTT connections this instance holds (authenticated)',
    registers: [register],
  });
  const mqttMessages = new Counter({
    name: 'dakkio_mqtt_messages_total',
    help: 'MQTT PUBLISH packets received from devices, by outcome',
    labelNames: ['result'] as const,
    registers: [register],
  });
  for (const result of mqttResults) mqttMessages.inc({ result }, 0);
  // Zero series from the start, so rate() and sum() see a counter before its first point.
  for (const transport of transports) for (const result of ingestResults) ingested.inc({ transport, result }, 0);

  // A request is observed with one map lookup: prom-client would hash the label object every time.
  const perRequestKind = new Map<string, { count: Counter.Internal; duration: Histogram.Internal<(typeof httpLabels)[number]> }>();
  return {
    register,
    requestFinished: ({ method, route, status, seconds, errorCode }) => {
      const id = `${method} ${status} ${route}`;
      let series = perRequestKind.get(id);
      if (!series) {
        const labels = { method, route, status: String(status) };
        series = { count: requests.labels(labels), duration: durations.labels(labels) };
        perRequestKind.set(id, series);
      }
      series.count.inc();
      series.duration.observe(seconds);
      if (status === 401) authFailures.inc();
      else if (status === 429) rateLimited.inc({ code: errorCode ?? 'unknown' });
      else if (errorCode === 'DATABASE_UNAVAILABLE') databaseErrors.inc();
    },
    pointsIngested: (transport, result, count) => ingested.inc({ transport, result }, count),
    groupCommitted: (points) => batches.observe(points),
    alertTransition: (from, to) => transitions.inc({ from, to }),
    webhookAttempt: (result) => deliveries.inc({ result }),
    mqttConnections: (change) => mqttConnections.inc(change),
    mqttMessage: (result) => mqttMessages.inc({ result }),
  };
}
