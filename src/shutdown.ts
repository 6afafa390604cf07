import type { Server } from 'node:http';
import type { Logger } from './logger';

export interface ShutdownOptions {
  server: Server;
  logger: Logger;
  deadlineMs: number;
  /** Ends long-lived responses (event streams), which would otherwise hold the server open until the deadline. */
  beforeClose?: () => void;
  /** Closes what the server holds after the last request finished (database, ...). */
  release: () => Promise<void>;
}

/**
 * On SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish, release
 * resources, exit 0. Past the deadline, remaining connections are cut and the exit is 1.
 */
export function installGracefulShutdown({ server, logger, deadlineMs, beforeClose, release }: ShutdownOptions): void {
  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ deadlineMs }, 'shutdown deadline passed; closing remaining connections');
      server.closeAllConnections();
      process.exit(1);
    }, deadlineMs);
    deadline.unref();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    beforeClose?.();
    server.closeIdleConnections();
    await closed;
    await release().catch((error: Error) => logger.error({ err: error.message }, 'error while releasing resources'));
    clearTimeout(deadline);
    logger.info('shutdown complete');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
