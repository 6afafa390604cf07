import mongoose from 'mongoose';

export async function pingDatabase(timeoutMs = 2000): Promise<boolean> {
  const db = mongoose.connection.db;
  if (!db || mongoose.connection.readyState !== 1) return false;
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
  const ping = db
    .admin()
    .ping()
    .then(
      () => true,
      () => false,
    );
  return Promise.race([ping, timeout]);
}
