import { gzipSync } from 'node:zlib';
import { Types } from 'mongoose';
import { DataPointModel } from '../src/modules/points/model';
import { DataSourceModel } from '../src/modules/sources/model';
import { createBucket, createBucketKey, createOrganization, createTenant, type Tenant } from './support/tenants';
import { useTestApp } from './support/testApp';

const app = useTestApp();

const storedOf = async (bucketId: string) => {
  const sources = await DataSourceModel.find({ bucketId: new Types.ObjectId(bucketId) }).lean();
  const nameOf = new Map(sources.map((source) => [source._id.toHexString(), source.name]));
  const points = await DataPointModel.collection
    .find({ bucketId: new Types.ObjectId(bucketId) })
    .sort({ timestamp: 1 })
    .toArray();
  return points.map((point) => ({
    measurement: nameOf.get(point.dataSourceId.toHexString()),
    time: (point.timestamp as Date).toISOString(),
    values: point.values,
    metadata: point.metadata,
  }));
};

const bucketNameOf = async (tenant: Tenant) =>
  (await app().http.get(`/api/buckets/${tenant.bucketId}`).set('X-API-Key', tenant.adminKey).expect(200)).body.bucket.name as string;

describe('POST /api/v2/write', () => {
  it('stores every line of a batch, creating the data source with the fields’ types', async () => {
    const tenant = await createTenant(app());
    const res = await app()
      .http.post(`/api/v2/write?org=any&bucket=${tenant.bucketId}&precision=ms`)
      .set('Authorization', `Token ${tenant.writeKey}`)
      .set('Content-Type', 'text/plain; charset=utf-8')
      .send('cpu,host=a usage=0.5,count=3i,up=true,label="x y" 1700000000000\ncpu,host=b usage=1 1700000001000\n');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(await storedOf(tenant.bucketId)).toEqual([
      {
        measurement: 'cpu',
        time: '2023-11-14T22:13:20.000Z',
        values: { usage: 0.5, count: 3, up: true, label: 'x y' },
        metadata: { host: 'a' },
      },
      { measurement: 'cpu', time: '2023-11-14T22:13:21.000Z', values: { usage: 1 }, metadata: { host: 'b' } },
    ]);
    const [source] = await DataSourceModel.find({ bucketId: new Types.ObjectId(tenant.bucketId) }).lean();
    expect(source).toMatchObject({
      name: 'cpu',
      type: 'line-protocol',
      schema: { usage: { type: 'number' }, count: { type: 'number' }, up: { type: 'boolean' }, label: { type: 'string' } },
    });
  });

  it('stores the good lines of a partial write and answers InfluxDB’s 400 body', async () => {
    const tenant = await createTenant(app());
    const name = await bucketNameOf(tenant);
    const res = await app()
      .http.post(`/api/v2/write?bucket=${encodeURIComponent(name)}&precision=s`)
      .set('Authorization', `Token ${tenant.writeKey}`)
      .send('m v=1 1700000000\nbad line\nm v="text" 1700000001\nm v=2 1700000002');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      code: 'invalid',
      line: 2,
      message:
        "partial write: unable to parse 'bad line': invalid field format\n" +
        'unable to parse \'m v="text" 1700000001\': field type conflict: input field "v" on measurement "m" is type string, already exists as type number dropped=2',
    });
    expect((await storedOf(tenant.bucketId)).map((p) => p.values)).toEqual([{ v: 1 }, { v: 2 }]);
  });
});
