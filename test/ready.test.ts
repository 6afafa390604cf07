import mongoose from 'mongoose';
import { expectError } from './support/assertions';
import { createTenant } from './support/tenants';
import { useTestApp } from './support/testApp';

const app = useTestApp();

describe('GET /ready', () => {
  it('is 200 while the database answers and 503 with Retry-After once it does not', async () => {
    const tenant = await createTenant(app());
    await app().http.get('/ready').expect(200, { status: 'ready', liveStream: 'polling' });

    await mongoose.connection.close();
    try {
      const ready = await app().http.get('/ready').expect(503);
      expectError(ready, 503, 'Service Unavailable', 'Database unavailable, retry later');
      expect(ready.headers['retry-after']).toBe('5');

      const api = await app().http.get('/api/buckets').set('X-API-Key', tenant.adminKey).expect(503);
      expect(api.body.error).toBe('Service Unavailable');
      expect(api.headers['retry-after']).toBe('5');
      await app().http.get('/health').expect(200);
    } finally {
      await mongoose.connection.openUri(process.env.DAKKIO_TEST_MONGODB_URI!, { dbName: mongoose.connection.name });
    }
    await app().http.get('/ready').expect(200);
  });
});
