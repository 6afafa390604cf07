import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseSecretKey } from './secretBox';

/**
 * The key sealing webhook secrets when WEBHOOK_SECRET_KEY is not set (only allowed with the
 * embedded database): kept next to the embedded database's files when those persist, so
 * secrets stay readable across restarts; otherwise a fresh one that lives as long as the data.
 */
export async function localSecretKey(dataDir: string | null): Promise<Buffer> {
  if (!dataDir) return randomBytes(32);
  const file = path.resolve(dataDir, 'webhook-secret.key');
  const existing = await readFile(file, 'utf8').catch(() => null);
  const parsed = existing === null ? null : parseSecretKey(existing.trim());
  if (parsed) return parsed;
  if (existing !== null) throw new Error(`${file} does not hold a 32-byte key; remove it or set WEBHOOK_SECRET_KEY`);
  const key = randomBytes(32);
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}
