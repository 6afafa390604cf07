import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { startServerProcess, type RunningServer } from './serverProcess';

// Linux's view of processes and sockets, read from /proc: no tool output to parse, nothing to install.
const readOrEmpty = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/** Fields of /proc/<pid>/stat after the command name: [state, ppid, ...]; empty once the process is gone. */
const statFields = (pid: number) => readOrEmpty(`/proc/${pid}/stat`).split(') ')[1]?.split(' ') ?? [];

export const commandLineOf = (pid: number) => readOrEmpty(`/proc/${pid}/cmdline`).split('\0').filter(Boolean);

/** Running, not just present: an orphan that exited may linger as a zombie until something reaps it. */
export function isRunning(pid: number): boolean {
  const state = statFields(pid)[0];
  return state !== undefined && state !== 'Z' && state !== 'X';
}

export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((candidate) => Number(statFields(candidate)[1]) === pid && isRunning(candidate));
}

function socketInodesOf(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // The descriptor closed while we listed them.
    }
  }
  return inodes;
}

const tableRows = (file: string) =>
  readOrEmpty(file)
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((columns) => columns.length > 1);

/**
 * The sockets a process listens on. /proc/<pid>/net/* lists every socket of the network
 * namespace, so a socket is attributed to the process by its inode, found among the
 * process's own file descriptors.
 */
export function listenersOf(pid: number): { tcpPorts: number[]; unixPaths: string[] } {
  const inodes = socketInodesOf(pid);
  const tcpListen = '0A';
  const tcpPorts = ['tcp', 'tcp6']
    .flatMap((table) => tableRows(`/proc/${pid}/net/${table}`))
    .filter((columns) => columns[3] === tcpListen && inodes.has(columns[9]!))
    .map((columns) => parseInt(columns[1]!.split(':')[1]!, 16));
  const acceptingConnections = 0x10000; // __SO_ACCEPTCON: the socket listens
  const unixPaths = tableRows(`/proc/${pid}/net/unix`)
    .filter((columns) => (parseInt(columns[3]!, 16) & acceptingConnections) !== 0 && inodes.has(columns[6]!) && columns[7])
    .map((columns) => columns[7]!);
  return { tcpPorts, unixPaths };
}

/** The child of this test process that runs the server listening on `port`. */
export function serverPidOn(port: number): number {
  const found = childrenOf(process.pid).find((pid) => listenersOf(pid).tcpPorts.includes(port));
  if (found === undefined) throw new Error(`no child of pid ${process.pid} listens on port ${port}`);
  return found;
}

/** The server's embedded-database process: its one child running the CongoDB entry point. */
export function embeddedDatabasePidOf(serverPid: number): number {
  const children = childrenOf(serverPid).map((pid) => ({ pid, command: commandLineOf(pid) }));
  const database = children.filter((child) => child.command.some((arg) => /embeddedCongoProcess\.(js|ts)$/.test(arg)));
  if (database.length !== 1)
    throw new Error(`expected one embedded database process under pid ${serverPid}, found ${JSON.stringify(children)}`);
  return database[0]!.pid;
}

export async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

export function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * fraction) - 1)] ?? Number.NaN;
}

/**
 * Times sequential GET /health calls 10 ms apart, up to `calls` of them or `withinMs`: a
 * server that stalls answers fewer calls, each slower, rather than making the test hang.
 */
export async function healthLatencies(baseUrl: string, calls: number, withinMs: number): Promise<number[]> {
  const latencies: number[] = [];
  const ends = Date.now() + withinMs;
  while (latencies.length < calls && Date.now() < ends) {
    const started = performance.now();
    const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(15_000) });
    await res.text();
    latencies.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return latencies;
}

export const adminKey = `dakkio_a_${'C'.repeat(40)}`;

/** `npm start` with no MONGODB_URI (the test environment passes none, nor MONGOMS_SYSTEM_BINARY). */
export async function startWithEmbeddedDatabase(): Promise<RunningServer> {
  const server = await startServerProcess({
    DAKKIO_BOOTSTRAP_ADMIN_KEY: adminKey,
    RATE_LIMIT_PER_KEY: '1000000',
    RATE_LIMIT_PER_IP: '1000000',
  });
  if (!server.output().includes('"database":"congodb"')) {
    await server.stop();
    throw new Error(`expected the embedded CongoDB, the server chose otherwise:\n${server.output()}`);
  }
  return server;
}

/** The server with the pids of its process and of its database process; a server without one is stopped, not leaked. */
export async function startWithDatabaseProcess() {
  const server = await startWithEmbeddedDatabase();
  try {
    const serverPid = serverPidOn(server.port);
    return { server, serverPid, databasePid: embeddedDatabasePidOf(serverPid) };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** The one Unix socket the database process listens on. */
export function socketPathOf(databasePid: number): string {
  const { unixPaths } = listenersOf(databasePid);
  if (unixPaths.length !== 1) throw new Error(`expected one Unix socket listener, found ${JSON.stringify(unixPaths)}`);
  return unixPaths[0]!;
}
