import type { DataPointRecord } from '../points/model';
import type { AggregatedRow } from './aggregatePoints';

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
