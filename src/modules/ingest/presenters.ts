import type { DataPointRecord } from '../points/model';

export const toDataPointResponse = (point: DataPointRecord) => ({
  _id: point._id.toHexString(),
  bucketId: point.bucketId.toHexString(),
  dataSourceId: point.dataSourceId.toHexString(),
  timestamp: point.timestamp.toISOString(),
  values: point.values,
  metadata: point.metadata,
  createdAt: point.createdAt.toISOString(),
});
