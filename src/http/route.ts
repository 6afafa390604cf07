import type { ErrorCode } from '../shared/errors';
import type { Store } from 'express-rate-limit';
import type { z } from 'zod';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { BucketRecord } from '../modules/buckets/model';
import type { KeyVerifier, VerifiedKey } from '../modules/keys/verifyKey';
import type { LastUsedRecorder } from '../modules/keys/lastUsedRecorder';
import type { Scope } from '../modules/keys/scopes';
import type { BatchLookup } from '../db/batchLookup';
import type { SourceSchema } from '../modules/sources/sourceLookup';
import type { SourcesForMeasurements } from '../modules/sources/measurementSources';
import type { UsageMeter } from '../modules/usage/usageMeter';
import type { DataPointRecord } from '../modules/points/model';
import type { PointsCommittedBus } from '../modules/ingest/pointsCommitted';
import type { ConcurrencyGate } from '../modules/query/concurrencyGate';
import type { Alerting } from '../modules/alerts/alerting';
import type { KeyStatusCheck } from '../modules/keys/keyStatus';
import type { LiveStream } from '../modules/stream/liveStream';
import type { StreamSink } from '../modules/stream/streamBucket';
import type { Metrics } from '../modules/metrics/metrics';
import type { Transport } from '../modules/ingest/pointsCommitted';

export interface AppDeps {
  config: Config;
  logger: Logger;
  verifyKey: KeyVerifier;
  recordLastUsed: LastUsedRecorder;
  /** Answers whether the database responds; used by /ready. */
  pingDatabase: () => Promise<boolean>;
  loadBucket: BatchLookup<BucketRecord>;
  loadSource: BatchLookup<SourceSchema>;
  /** Writes points, acknowledged, group-committed with the points of concurrent requests. */
  commitPoints: (points: DataPointRecord[]) => Promise<void>;
  pointsCommitted: PointsCommittedBus;
  /** Caps the queries one key runs at once in this process. */
  queryGate: ConcurrencyGate;
  alerting: Alerting;
  liveStream: LiveStream;
  /** Whether a key id is still valid, for connections that outlive one request. */
  keyIsActive: KeyStatusCheck;
  /** Counts each organization's authenticated requests for analytics. */
  usage: UsageMeter;
  /** Finds, creates and grows the data sources line-protocol measurements name. */
  sourcesForMeasurements: SourcesForMeasurements;
  /** A bucket of the organization by its name, for the InfluxDB routes' `db` / `bucket` parameter. */
  findBucketByName: (organizationId: string, name: string) => Promise<BucketRecord | null>;
  /** This instance's Prometheus registry and the counters the routes and consumers record into. */
  /**
   * Where requests are counted against their key's or IP's limit, shared with the MQTT broker
   * (which counts publishes under the same `key:<id>`). The app's limiter initializes it.
   */
  rateLimitStore: Store;
  /** null with METRICS_ENABLED=false: nothing is instrumented. */
  metrics: Metrics | null;
  /** Counts points an ingest did not store (refused or failed), whatever the transport. */
  pointsNotStored: (event: { transport: Transport; points: number; failed: boolean }) => void;
}

/**
 * Where a bucket-scoped route names its bucket. In the path or body it is an id; in the
 * query (the InfluxDB routes' `db` / `bucket`) it is an id or a name, and may be absent
 * where the route also serves requests about no bucket.
 */
export type BucketSource = { from: 'params' | 'body'; field: string } | { from: 'query'; field: string; optional?: true };

/**
 * The wire conventions a route speaks: dakkio's own (api.md §1), or InfluxDB's (§12), whose
 * clients send the key as `Token`, Basic password or `p=` and read errors as `{ error }`
 * (1.x) or `{ code, message }` (2.x).
 */
export type Dialect = 'dakkio' | 'influx-v1' | 'influx-v2';

export type Access =
  | { kind: 'public' }
  | {
      kind: 'key';
      /** null: any valid key, whatever its type, scopes or reach (a key asking about itself). */
      scope: Scope | null;
      /** The 403 message when the key's type or scopes do not allow the route. */
      deniedMessage: string;
      /** Absent: the route acts on the whole organization, so only admin keys reach it. */
      bucket?: BucketSource;
    };

type AnySchema = z.ZodType;
/**
 * JSON unless said otherwise; a stream's handler writes the events itself and returns nothing;
 * a `text/plain` handler returns the body as a string (sent with the response's contentType).
 */
export type ResponseMediaType = 'application/json' | 'text/event-stream' | 'text/plain';
/** JSON unless said otherwise; `text` bodies (line protocol) arrive as one string, inflated if gzipped. */
export type BodyFormat = 'json' | 'text' | 'form';
/** 204 answers carry no body: the handler returns nothing. */
export type SuccessStatus = 200 | 201 | 202 | 204;
type Output<S> = S extends AnySchema ? z.output<S> : undefined;

export interface RequestContext<A extends Access, P, Q, B, H = undefined> {
  params: P;
  query: Q;
  body: B;
  /** Only the headers the route declares a schema for. */
  headers: H;
  key: A extends { kind: 'key' } ? VerifiedKey : null;
  bucket: A extends { bucket: { optional: true } } ? BucketRecord | null : A extends { bucket: BucketSource } ? BucketRecord : null;
  requestId: string;
  /** The client's address (behind proxies as TRUST_PROXY allows), for the audit log. */
  ip: string | null;
  /** From now on the request waits for its outcome, past the request deadline: a write was sent. */
  holdDeadline: () => void;
  /** Turns the response into a Server-Sent Events stream (routes whose response mediaType says so). */
  openEventStream: () => StreamSink;
  deps: AppDeps;
}

export interface RouteSpec<
  A extends Access,
  P extends AnySchema | undefined,
  Q extends AnySchema | undefined,
  B extends AnySchema | undefined,
  R extends AnySchema,
  H extends AnySchema | undefined = undefined,
> {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Express path syntax; the OpenAPI document rewrites `:name` to `{name}`. */
  path: string;
  summary: string;
  tag: string;
  access: A;
  /** dakkio's own unless said otherwise. */
  dialect?: Dialect;
  /** Health checks for balancers and orchestrators are never rate-limited (api.md §8). */
  rateLimited?: false;
  /** Domain errors the handler throws beyond what its access and request imply, for the OpenAPI document. */
  alsoThrows?: readonly ErrorCode[];
  request?: { params?: P; query?: Q; body?: B; headers?: H; bodyFormat?: BodyFormat };
  response: { status: SuccessStatus; schema: R; description: string; mediaType?: ResponseMediaType; contentType?: string };
  handler: (ctx: RequestContext<A, Output<P>, Output<Q>, Output<B>, Output<H>>) => Promise<z.input<R>>;
}

/** A route with its types erased, as the route table holds it. */
export interface Route {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  summary: string;
  tag: string;
  access: Access;
  dialect?: Dialect;
  rateLimited?: false;
  alsoThrows?: readonly ErrorCode[];
  request: { params?: AnySchema; query?: AnySchema; body?: AnySchema; headers?: AnySchema; bodyFormat?: BodyFormat };
  response: {
    status: SuccessStatus;
    schema: AnySchema;
    description: string;
    mediaType?: ResponseMediaType;
    /** The Content-Type of a text/plain answer when it says more (a format version); charset utf-8 is added. */
    contentType?: string;
  };
  handler: (ctx: ErasedContext) => Promise<unknown>;
}

type ErasedContext = Omit<RequestContext<Access, unknown, unknown, unknown, unknown>, 'key' | 'bucket'> & {
  key: VerifiedKey | null;
  bucket: BucketRecord | null;
};

export function defineRoute<
  const A extends Access,
  P extends AnySchema | undefined = undefined,
  Q extends AnySchema | undefined = undefined,
  B extends AnySchema | undefined = undefined,
  R extends AnySchema = AnySchema,
  H extends AnySchema | undefined = undefined,
>(spec: RouteSpec<A, P, Q, B, R, H>): Route {
  return { ...spec, request: spec.request ?? {} } as unknown as Route;
}
