import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { localSecretKey } from '../src/modules/webhooks/localSecretKey';

describe('the webhook secret key of the embedded database (no WEBHOOK_SECRET_KEY)', () => {
  it('is made once beside persistent data, readable only by its owner, and the same after a restart', async () => {
    const dataDir = path.join(await mkdtemp(path.join(tmpdir(), 'dakkio-key-')), 'data');
    const first = await localSecretKey(dataDir);
    expect(first).toHaveLength(32);
    const file = path.join(dataDir, 'webhook-secret.key');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(first.toString('base64'));
    expect((await localSecretKey(dataDir)).equals(first)).toBe(true);
  });

  it('refuses a key file that holds no 32-byte key rather than replacing it', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'dakkio-key-'));
    await writeFile(path.join(dataDir, 'webhook-secret.key'), 'not a key\n');
    await expect(localSecretKey(dataDir)).rejects.toThrow('does not hold a 32-byte key; remove it or set WEBHOOK_SECRET_KEY');
    expect(await readFile(path.join(dataDir, 'webhook-secret.key'), 'utf8')).toBe('not a key\n');
  });

  it('is a fresh one for data kept in memory', async () => {
    const [a, b] = [await localSecretKey(null), await localSecretKey(null)];
    expect(a).toHaveLength(32);
    expect(a.equals(b)).toBe(false);
  });
});
