import { z } from 'zod';
import { corsOrigins } from './http/corsOrigins';
import { trustProxySetting } from './http/trustProxySetting';
import { parseSecretKey } from './modules/webhooks/secretBox';
import { ipAllowList } from './modules/webhooks/ipAllowList';

const adminKeyPattern = /^dakkio_a_[0-9A-Za-z]{40}$/;
const count = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);
const flag = z.enum(['true', 'false']).transform((value) => value === 'true');
const secondsList = z
  .string()
  .transform((text) => text.split(',').map((part) => Number(part.trim())))
  .refine((list) => list.length >= 1 && list.length <= 20, 'must list 1 to 20 delays')
  .refine(
    (list) => list.every((seconds) => Number.isFinite(seconds) && seconds >= 0 && seconds <= 86_400),
    'each delay is 0 to 86400 seconds',
  );
const secretKey = z
  .string()
  .transform((text) => parseSecretKey(text.trim()))
  .refine((key) => key !== null, 'must be 32 random bytes as base64 or hex (openssl rand -base64 32)');

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .optional(),
  MONGODB_SERVER_SELECTION_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  DATA_DIR: z.string().min(1).default('./data'),
  DAKKIO_BOOTSTRAP_ADMIN_KEY: z.string().regex(adminKeyPattern, 'must be dakkio_a_ followed by 40 base62 characters').optional(),
  DAKKIO_BOOTSTRAP_ORG_NAME: z.string().min(1).max(100).default('Default organization'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  /** InfluxDB line-protocol bodies (api.md §12), counted after gzip is inflated. */
  LINE_PROTOCOL_MAX_BYTES: count(1024, 10 * 1024 * 1024),
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1000).default(60_000),
  RATE_LIMIT_PER_KEY: count(1, 1000),
  /** memory: per process (one instance). mongodb: shared by every instance on the database. */
  RATE_LIMIT_STORE: z.enum(['memory', 'mongodb']).default('memory'),
  RATE_LIMIT_PER_IP: count(1, 300),
  LAST_USED_WRITE_INTERVAL_MS: count(0, 60_000),
  VERIFIED_KEY_CACHE_SIZE: count(0, 10_000),
  BCRYPT_ROUNDS: z.coerce.number().int().min(4).max(15).default(10),
  GROUP_COMMIT_WINDOW_MS: z.coerce.number().int().min(0).max(1000).default(2),
  GROUP_COMMIT_MAX_POINTS: z.coerce.number().int().min(1).max(100_000).default(1000),
  GROUP_COMMIT_MAX_BYTES: count(1024, 4 * 1024 * 1024),
  RETENTION_INTERVAL_MS: count(1000, 3_600_000),
  RETENTION_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(5000),
  AUDIT_RETENTION_DAYS: count(1, 365),
  REQUEST_TIMEOUT_MS: count(100, 30_000),
  SHUTDOWN_TIMEOUT_MS: count(100, 10_000),
  TRUST_PROXY: trustProxySetting.default(false),
  /** HTTPS ends in front of the server (a proxy or balancer): send HSTS and upgrade-insecure-requests. */
  TLS_TERMINATED: flag.default(false),
  /** Origins whose browser scripts may call /api/* (api.md §10); unset: CORS off. */
  CORS_ORIGINS: corsOrigins.optional(),
  QUERY_MAX_TIME_MS: count(1, 10_000),
  QUERY_MAX_CONCURRENT_PER_KEY: count(1, 4),
  QUERY_MAX_INTERVALS: count(1, 20_000),
  QUERY_MAX_RESPONSE_BYTES: count(1024, 10 * 1024 * 1024),
  /** How often each instance adds its counted API calls to the month's usage document. */
  USAGE_FLUSH_INTERVAL_MS: count(100, 5000),
  /** false: API calls are not counted at all (the overview's apiCallsThisMonth is null). */
  USAGE_METERING: flag.default(true),
  /** Shown as the plan's monthly API-call limit in analytics; unset: no limit (null). Counted, never enforced. */
  API_CALLS_MONTHLY_LIMIT: z.coerce.number().int().min(1).optional(),
  MAX_SOURCES_PER_BUCKET: count(1, 200),
  MAX_FIELDS_PER_SOURCE: count(1, 100),
  MAX_KEYS_PER_BUCKET: count(1, 100),
  MAX_ADMIN_KEYS_PER_ORG: count(1, 100),
  MAX_ALERT_RULES_PER_BUCKET: count(1, 100),
  /** Encrypts webhook secrets at rest; the server requires it with MONGODB_URI (the embedded database makes its own). */
  WEBHOOK_SECRET_KEY: secretKey.optional(),
  WEBHOOK_ALLOW_HTTP: flag.default(false),
  WEBHOOK_ALLOWED_IPS: ipAllowList.default([]),
  WEBHOOK_RETRY_SCHEDULE: secondsList.default([0, 5, 300, 1800, 7200, 18000, 36000, 36000]),
  WEBHOOK_TIMEOUT_MS: count(100, 15_000),
  WEBHOOK_POLL_INTERVAL_MS: count(10, 1000),
  WEBHOOK_CONCURRENCY: count(1, 10),
  WEBHOOK_DELIVERY_RETENTION_DAYS: count(1, 30),
  ALERT_SWEEP_INTERVAL_MS: count(10, 15_000),
  ALERT_RULE_CACHE_MS: count(0, 1000),
  STREAM_MAX_PER_KEY: count(1, 5),
  STREAM_MAX_TOTAL: count(1, 1000),
  /** Under the 60 s idle timeouts of common proxies and balancers. */
  STREAM_HEARTBEAT_MS: count(100, 15_000),
  /** How often an open stream checks that its key still exists and has not expired (api.md §10: within 60 s). */
  STREAM_KEY_CHECK_MS: z.coerce.number().int().min(10).max(60_000).default(30_000),
  /** Without change streams: how often each instance reads the live-event log for other instances' points. */
  STREAM_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(900).default(500),
  /** Under a burst, a bucket's points go to its streams in one batch per this many ms (a quiet bucket's at once). */
  STREAM_BATCH_MS: z.coerce.number().int().min(0).max(500).default(25),
  STREAM_MAX_BUFFERED_BYTES: count(1024, 256 * 1024),
  /** How far back Last-Event-ID can replay; also how long the live-event log keeps points. */
  STREAM_REPLAY_WINDOW_MS: count(1000, 600_000),
  /** The MQTT broker (api.md §14) listens here; unset: no broker. */
  MQTT_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  MQTT_HOST: z.string().min(1).default('0.0.0.0'),
  /** MQTT over WebSocket (path /mqtt) on this port; unset: none. Needs MQTT_PORT. */
  MQTT_WS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** PEM files: with both set, MQTT_PORT and MQTT_WS_PORT speak TLS (mqtts://, wss://). */
  MQTT_TLS_CERT: z.string().min(1).optional(),
  MQTT_TLS_KEY: z.string().min(1).optional(),
  /** Connections one key may hold open on one instance. */
  MQTT_MAX_CONNECTIONS_PER_KEY: count(1, 100),
  /** How often connected keys are checked; a deleted or expired key is disconnected within this (api.md §14: 60 s). */
  MQTT_KEY_CHECK_MS: z.coerce.number().int().min(10).max(60_000).default(30_000),
  /** false: nothing is instrumented and GET /metrics answers 404. */
  METRICS_ENABLED: flag.default(true),
  /** When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`; unset, it is public. */
  METRICS_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters (openssl rand -hex 32)')
    .regex(/^\S+$/, 'must not contain spaces')
    .optional(),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads every variable at once so a bad deployment learns all its mistakes in one start. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = configSchema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  return result.data;
}
