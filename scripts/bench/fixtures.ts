import { Types } from 'mongoose';
import { DataPointModel } from '../../src/modules/points/model';

export interface Seed {
  bucketId: string;
  writeKey: string;
  readKey: string;
  sourceId: string;
}

async function call<T>(baseUrl: string, key: string, method: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A bucket with write and read keys and one data source, made through the API. */
export async function seedTenant(baseUrl: string, adminKey: string): Promise<Seed> {
  type Created = { _id: string; key: string };
  const { bucket } = await call<{ bucket: Created }>(baseUrl, adminKey, 'POST', '/api/buckets', {
    name: `bench ${Date.now()}`,
    retentionDays: 3650,
  });
  const key = async (type: string) =>
    (await call<{ apiKey: Created }>(baseUrl, adminKey, 'POST', `/api/buckets/${bucket._id}/keys`, { name: `bench ${type}`, type })).apiKey
      .key;
  const writeKey = await key('write');
  const readKey = await key('read');
  const { dataSource } = await call<{ dataSource: Created }>(baseUrl, writeKey, 'POST', `/api/buckets/${bucket._id}/sources`, {
    name: 'bench sensor',
    schema: { temperature: 'number', humidity: 'number' },
  });
  return { bucketId: bucket._id, writeKey, readKey, sourceId: dataSource._id };
}

export const pointBody = (seed: Seed) =>
  JSON.stringify({ bucketId: seed.bucketId, dataSourceId: seed.sourceId, values: { temperature: 21.5, humidity: 40 } });

export const batchBody = (seed: Seed, size: number) =>
  JSON.stringify({
    bucketId: seed.bucketId,
    dataPoints: Array.from({ length: size }, (_, i) => ({
      dataSourceId: seed.sourceId,
      timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      values: { temperature: 20 + (i % 10), humidity: 40 },
    })),
  });

/** Documents shaped as the server stores them, for the raw-driver baseline and for seeding. */
export const pointDocuments = (seed: Seed, size: number, start: number, stepMs: number) => {
  const [bucketId, dataSourceId, createdAt] = [new Types.ObjectId(seed.bucketId), new Types.ObjectId(seed.sourceId), new Date()];
  return Array.from({ length: size }, (_, i) => ({
    _id: new Types.ObjectId(),
    bucketId,
    dataSourceId,
    timestamp: new Date(start + i * stepMs),
    values: { temperature: 20 + (i % 10), humidity: 40 },
    metadata: {},
    createdAt,
  }));
};

export const rawInsert = (documents: ReturnType<typeof pointDocuments>) =>
  DataPointModel.collection.insertMany(documents, { ordered: false });
