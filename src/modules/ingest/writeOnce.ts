import type { DataPointRecord } from '../points/model';
import { deletePointsById } from '../points/pointStore';

/**
 * A request without an Idempotency-Key: all or nothing. When the write fails part-way, the
 * points that did land are taken back, since a retry would store them a second time.
 */
export async function writeOnce<T>(
  written: DataPointRecord[],
  commit: (points: DataPointRecord[]) => Promise<void>,
  respond: (written: DataPointRecord[]) => T,
): Promise<{ response: T; written: DataPointRecord[] }> {
  try {
    await commit(written);
  } catch (error) {
    await deletePointsById(written.map((point) => point._id)).catch(() => undefined);
    throw error;
  }
  return { response: respond(written), written };
}
