import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** What this process tells the process that forked it (src/db/embeddedCongo.ts). */
export type CongoProcessMessage = { type: 'ready'; socketPath: string } | { type: 'failed'; message: string };

type CongoModule = {
  CongoServer: new (options: { host: string; port: number | string; storage: 'memory' }) => { start(): Promise<void> };
};

// TypeScript compiles import() to require() under CommonJS; this keeps a real dynamic
// import, which the ESM-only CongoDB module needs.
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

// Linux's limit for a socket path is 108 bytes including the terminating NUL.
const maxSocketPathLength = 107;

let socketDir: string | undefined;

/** Memory storage has nothing to flush, so leaving is: remove the socket's directory, exit. */
function exitCleanly(code: number): never {
  if (socketDir) rmSync(socketDir, { recursive: true, force: true });
  process.exit(code);
}

/** The parent's pid as the kernel sees it now: process.ppid is fixed at start and misses a re-parenting. */
function currentParentPid(originalParent: number): number | undefined {
  try {
    return Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')[1]);
  } catch {
    try {
      process.kill(originalParent, 0);
      return originalParent;
    } catch {
      return undefined;
    }
  }
}

/**
 * The database must never outlive the server. The IPC channel closes when the parent exits
 * for any reason, SIGKILL included; the parent-pid poll is a second line in case a
 * 'disconnect' were ever missed. Signals are left to the parent: SIGINT and SIGHUP reach
 * the whole terminal process group and systemd sends SIGTERM to every process of the
 * service at once, while the server still writes buffered points during its shutdown.
 */
function followParent(): void {
  const originalParent = process.ppid;
  process.on('disconnect', () => exitCleanly(0));
  for (const signal of ['SIGINT', 'SIGHUP', 'SIGTERM'] as const) process.on(signal, () => undefined);
  setInterval(() => {
    if (currentParentPid(originalParent) !== originalParent) exitCleanly(0);
  }, 1000).unref();
}

/**
 * A fresh directory only this user may enter. The socket file inside is created with the
 * umask's mode, which may let others connect; the 0700 directory is what keeps every other
 * user out, since reaching a socket needs search permission on each directory of its path.
 */
function createPrivateSocketDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dakkio-db-'));
  chmodSync(dir, 0o700);
  return dir;
}

/**
 * Runs CongoDB in memory on a Unix socket, in this process of its own: CongoDB does all its
 * work in the event loop and scans every collection in full, so in the server's process one
 * heavy query would stall every request. No TCP port: CongoDB has no authentication.
 */
async function main(): Promise<void> {
  if (!process.send) throw new Error('must be started by startCongo() with an IPC channel');
  followParent();
  socketDir = createPrivateSocketDir();
  const socketPath = path.join(socketDir, 'db.sock');
  if (socketPath.length > maxSocketPathLength) throw new Error(`socket path too long for Unix sockets (set TMPDIR shorter): ${socketPath}`);
  // Deep path: the package root pulls in unrelated noisy modules and takes ~1.5 s.
  const modulePath = require.resolve('@push.rocks/smartmongo/dist_ts/congodb/index.js');
  const { CongoServer } = (await importEsm(pathToFileURL(modulePath).href)) as CongoModule;
  // CongoServer calls server.listen(port, host): a path as port makes it a Unix socket listener.
  await new CongoServer({ host: '127.0.0.1', port: socketPath, storage: 'memory' }).start();
  process.send({ type: 'ready', socketPath } satisfies CongoProcessMessage);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`embedded database failed to start: ${message}\n`);
  if (process.send && process.connected) process.send({ type: 'failed', message } satisfies CongoProcessMessage, () => exitCleanly(1));
  else exitCleanly(1);
});
