import type { DataSourceRecord } from './model';

export const toDataSourceResponse = (source: DataSourceRecord) => ({
  _id: source._id.toHexString(),
  bucketId: source.bucketId.toHexString(),
  name: source.name,
  type: source.type,
  description: source.description ?? '',
  schema: source.schema,
  downsampling: source.downsampling,
  status: source.status as 'active' | 'inactive',
  createdAt: source.createdAt.toISOString(),
  updatedAt: source.updatedAt.toISOString(),
});
