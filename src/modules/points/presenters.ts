import type { AggregatedRow } from './aggregatePoints';
import type { DataPointRecord } from './model';

export const toDataPointResponse = (point: DataPointRecord) => ({
  _id: point._id.toHexString(),
  bucketId: point.bucketId.toHexString(),
  dataSourceId: point.dataSourceId.toHexString(),
  timestamp: point.timestamp.toISOString(),
  values: point.values,
  metadata: point.metadata,
  createdAt: point.createdAt.toISOString(),
});

export const toQueriedPoint = (point: DataPointRecord) => ({
  _id: point._id.toHexString(),
  dataSourceId: point.dataSourceId.toHexString(),
  timestamp: point.timestamp.toISOString(),
  values: point.values ?? {},
  metadata: point.metadata ?? {},
});

export const toAggregatedPoint = (row: AggregatedRow) => ({
  timestamp: row.timestamp.toISOString(),
  dataSourceId: row.dataSourceId.toHexString(),
  values: row.values,
  count: row.count,
});
