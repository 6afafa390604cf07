import { type AppDeps, defineRoute } from '../../http/route';
import { DomainError } from '../../shared/errors';
import type { BucketRecord } from '../buckets/model';
import type { VerifiedKey } from '../keys/verifyKey';
import { createInfluxQLPorts } from './influxqlPorts';
import type { Epoch } from './ports';
import { runInfluxQL } from './runInfluxQL';
import { queryForm, queryParameters, queryResults } from './schemas';

const readAccess = {
  kind: 'key',
  scope: 'data:read',
  deniedMessage: 'Insufficient permissions',
  bucket: { from: 'query', field: 'db', optional: true },
} as const;

interface InfluxQuery {
  q: string | undefined;
  epoch: Epoch | undefined;
  bucket: BucketRecord | null;
  key: VerifiedKey;
  deps: AppDeps;
}

/** One answer per statement, errors included, with 200 (as InfluxDB); only a missing `q` or a database failure is not. */
function answerQuery({ q, epoch, bucket, key, deps }: InfluxQuery) {
  if (q === undefined || q.trim() === '') throw new DomainError('VALIDATION_FAILED', 'missing required parameter "q"');
  const limits = { maxTimeMS: deps.config.QUERY_MAX_TIME_MS, maxPoints: deps.config.QUERY_MAX_INTERVALS };
  return deps.queryGate(key.id, () => runInfluxQL({ q, epoch, bucket, now: new Date() }, createInfluxQLPorts(key, limits)));
}

const summary = 'InfluxQL queries, the subset Grafana’s InfluxDB data source sends (InfluxDB 1.x API)';
const response = {
  status: 200,
  schema: queryResults,
  description: 'One result per statement; a statement’s error is in its result',
} as const;

export const influxqlRoutes = [
  defineRoute({
    method: 'get',
    path: '/query',
    summary,
    tag: 'InfluxDB',
    dialect: 'influx-v1',
    access: readAccess,
    request: { query: queryParameters },
    response,
    handler: async ({ query, bucket, key, deps }) => answerQuery({ q: query.q, epoch: query.epoch, bucket, key, deps }),
  }),
  defineRoute({
    method: 'post',
    path: '/query',
    summary,
    tag: 'InfluxDB',
    dialect: 'influx-v1',
    access: readAccess,
    request: { query: queryParameters, body: queryForm, bodyFormat: 'form' },
    response,
    handler: async ({ query, body, bucket, key, deps }) => answerQuery({ q: query.q ?? body.q, epoch: query.epoch, bucket, key, deps }),
  }),
];
