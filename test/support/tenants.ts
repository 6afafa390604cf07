import { Types } from 'mongoose';
import { issueKey } from '../../src/modules/keys/issueKey';
import { findOrCreateOrganization } from '../../src/modules/organizations/bootstrap';
import type { TestApp } from './testApp';

export interface Tenant {
  organizationId: string;
  adminKey: string;
  adminKeyId: string;
  bucketId: string;
  writeKey: string;
  writeKeyId: string;
  readKey: string;
  readKeyId: string;
}

/** A fresh, well-formed ObjectId as hex. */
export const objectId = () => new Types.ObjectId().toHexString();

/** `label` followed by a fresh ObjectId, so names never collide across tests. */
export const uniqueName = (label: string) => `${label} ${objectId()}`;

/** A fresh organization whose first admin key is issued the way bootstrap issues it. */
export async function createOrganization(app: TestApp) {
  const organization = await findOrCreateOrganization(uniqueName('org'));
  const { record, plaintext } = await issueKey(
    { organizationId: organization._id, bucketId: null, type: 'admin', name: 'test admin' },
    app.config.BCRYPT_ROUNDS,
  );
  return { organizationId: organization._id.toHexString(), adminKey: plaintext, adminKeyId: record._id.toHexString() };
}

export async function createBucket(app: TestApp, adminKey: string, name = uniqueName('bucket')): Promise<string> {
  const res = await app.http.post('/api/buckets').set('X-API-Key', adminKey).send({ name }).expect(201);
  return res.body.bucket._id as string;
}

export async function createBucketKey(app: TestApp, adminKey: string, bucketId: string, type: 'write' | 'read', extra: object = {}) {
  const res = await app.http
    .post(`/api/buckets/${bucketId}/keys`)
    .set('X-API-Key', adminKey)
    .send({ name: `${type} key`, type, ...extra })
    .expect(201);
  return { key: res.body.apiKey.key as string, id: res.body.apiKey._id as string };
}

/** An organization with one bucket and a write and a read key for it, all made through HTTP after the first admin key. */
export async function createTenant(app: TestApp): Promise<Tenant> {
  const organization = await createOrganization(app);
  const bucketId = await createBucket(app, organization.adminKey);
  const write = await createBucketKey(app, organization.adminKey, bucketId, 'write');
  const read = await createBucketKey(app, organization.adminKey, bucketId, 'read');
  return { ...organization, bucketId, writeKey: write.key, writeKeyId: write.id, readKey: read.key, readKeyId: read.id };
}

/** A data source made through HTTP with `key` (admin or write) in the bucket; returns its id. */
export async function createDataSource(
  app: TestApp,
  key: string,
  bucketId: string,
  schema: object = { temperature: 'number' },
): Promise<string> {
  const res = await app.http
    .post(`/api/buckets/${bucketId}/sources`)
    .set('X-API-Key', key)
    .send({ name: uniqueName('source'), schema })
    .expect(201);
  return res.body.dataSource._id as string;
}
