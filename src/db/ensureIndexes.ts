import mongoose from 'mongoose';

/** Indexes are created explicitly after connecting, because commands are not buffered. */
export async function ensureIndexes(): Promise<void> {
  await Promise.all(Object.values(mongoose.models).map((model) => model.createIndexes()));
}
