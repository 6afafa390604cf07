/**
 * Collection names shared across modules, so a bucket's cascade delete and stats reach
 * the data of modules that own those collections.
 */
export const collections = {
  organizations: 'organizations',
  buckets: 'buckets',
  apiKeys: 'apikeys',
  dataSources: 'datasources',
  dataPoints: 'datapoints',
  alertRules: 'alertrules',
  webhookDeliveries: 'webhookdeliveries',
  leases: 'leases',
  idempotencyKeys: 'idempotencykeys',
  rateLimits: 'ratelimits',
  liveEvents: 'liveevents',
  streamDemand: 'streamdemand',
  usage: 'usage',
  auditLogs: 'auditlogs',
} as const;
