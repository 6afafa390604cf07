import { WebhookDeliveryModel } from './model';

/**
 * Deliveries not yet settled (waiting for their attempt or being attempted) across every
 * instance: a backlog that grows means receivers are down or the workers cannot keep up.
 * Counted through the {status, nextAttemptAt} index, bounded so a slow database cannot hold a scrape.
 */
export async function countDeliveryBacklog(maxTimeMS: number): Promise<number> {
  return WebhookDeliveryModel.countDocuments({ status: { $in: ['pending', 'delivering'] } }).maxTimeMS(maxTimeMS);
}
