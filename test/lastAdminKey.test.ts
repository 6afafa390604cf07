import mongoose, { Types } from 'mongoose';
import { createOrganization } from './support/tenants';
import { useTestApp } from './support/testApp';

const app = useTestApp({ RATE_LIMIT_PER_KEY: '100000', RATE_LIMIT_PER_IP: '100000' });

const rounds = Number(process.env.LAST_ADMIN_KEY_ROUNDS ?? 15);
const adminKeysOf = (organizationId: string) =>
  mongoose.connection
    .collection('apikeys')
    .find({ organizationId: new Types.ObjectId(organizationId), type: 'admin' }, { projection: { _id: 1 } })
    .toArray();

describe('DELETE /api/keys/:keyId', () => {
  it(`never lets two concurrent deletions remove an organization's last two admin keys (${rounds} organizations)`, async () => {
    const outcomes: { statuses: number[]; remaining: number }[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const organization = await createOrganization(app());
      const a = { key: organization.adminKey, id: organization.adminKeyId };
      const created = await app().http.post('/api/keys').set('X-API-Key', a.key).send({ name: 'second admin' }).expect(201);
      const b = { key: created.body.apiKey.key as string, id: created.body.apiKey._id as string };
      // Both keys verified once already, so neither request waits on bcrypt and they really overlap.
      await app().http.get('/api/keys').set('X-API-Key', b.key).expect(200);

      const [aDeletesB, bDeletesA] = await Promise.all([
        app().http.delete(`/api/keys/${b.id}`).set('X-API-Key', a.key),
        app().http.delete(`/api/keys/${a.id}`).set('X-API-Key', b.key),
      ]);
      for (const res of [aDeletesB, bDeletesA]) {
        expect([200, 401, 409]).toContain(res.status);
        if (res.status === 409) expect(res.body.message).toBe('Cannot delete the last admin key');
      }
      outcomes.push({
        statuses: [aDeletesB.status, bDeletesA.status],
        remaining: (await adminKeysOf(organization.organizationId)).length,
      });
    }
    const broken = outcomes
      .map((outcome, round) => ({ ...outcome, round }))
      .filter((outcome) => outcome.remaining < 1 || outcome.statuses.filter((s) => s === 200).length > 1)
      .map(({ round, statuses, remaining }) => `round ${round}: ${statuses.join(' and ')}, ${remaining} admin keys left`);
    expect(broken).toEqual([]);
  });
});
