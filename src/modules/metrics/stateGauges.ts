import { Gauge, type Registry } from 'prom-client';

/** What the gauges read at scrape time: the state of this instance and its database, now. */
export interface StateSources {
  pingDatabase: () => Promise<boolean>;
  openStreams: () => number;
  deliveryBacklog: () => Promise<number>;
}

/**
 * Gauges computed when Prometheus scrapes rather than kept up to date on every change: a
 * ping and one indexed count per scrape cost less than bookkeeping on the hot paths. A
 * backlog that cannot be counted (the database is down: dakkio_database_up says so) keeps
 * its last value rather than dropping to a misleading 0.
 */
export function registerStateGauges(register: Registry, sources: StateSources): void {
  new Gauge({
    name: 'dakkio_database_up',
    help: 'Whether the database answered a ping at scrape time (1) or not (0)',
    registers: [register],
    async collect() {
      this.set((await sources.pingDatabase()) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'dakkio_open_streams',
    help: 'Live streams this instance holds open',
    registers: [register],
    collect() {
      this.set(sources.openStreams());
    },
  });
  new Gauge({
    name: 'dakkio_webhook_outbox_backlog',
    help: 'Webhook deliveries pending or being attempted, across all instances',
    registers: [register],
    async collect() {
      const backlog = await sources.deliveryBacklog().catch(() => null);
      if (backlog !== null) this.set(backlog);
    },
  });
}
