import { fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { CongoProcessMessage } from './embeddedCongoProcess';

const startTimeoutMs = 30_000;
const stopTimeoutMs = 3_000;

/**
 * The child's entry point next to this file: the compiled .js when running from dist, the
 * .ts source (through ts-node, a devDependency) when this file is itself run from sources,
 * as in the test suite's globalSetup under ts-jest.
 */
function childEntry(): { modulePath: string; execArgv: string[] } {
  const fromSources = path.extname(__filename) === '.ts';
  return fromSources
    ? {
        modulePath: path.join(__dirname, 'embeddedCongoProcess.ts'),
        execArgv: ['--require', require.resolve('ts-node/register/transpile-only')],
      }
    : { modulePath: path.join(__dirname, 'embeddedCongoProcess.js'), execArgv: [] };
}

/** The data is gone with the process, so the server cannot go on: say so and exit. */
function exitOnUnexpectedEnd(socketDir: string, code: number | null, signal: NodeJS.Signals | null): void {
  // A child killed outright could not remove its directory itself.
  rmSync(socketDir, { recursive: true, force: true });
  process.stderr.write(
    `embedded database process ended unexpectedly (${signal ?? `exit code ${code}`}); its in-memory data is lost, exiting\n`,
  );
  process.exit(1);
}

function waitUntilReady(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`embedded database did not start within ${startTimeoutMs} ms`));
    }, startTimeoutMs);
    child.on('message', (message: CongoProcessMessage) => {
      clearTimeout(timer);
      if (message.type === 'ready') resolve(message.socketPath);
      else reject(new Error(`embedded database failed to start: ${message.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`embedded database exited during start (${signal ?? `exit code ${code}`})`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // Closing the IPC channel is the stop signal, the same one the child gets when this process
  // dies; the child ignores signals other than SIGKILL.
  if (child.connected) child.disconnect();
  else child.kill('SIGKILL');
  const killer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
  await exited;
  clearTimeout(killer);
}

/**
 * CongoDB in memory, in a child process of its own on a Unix socket in a 0700 directory
 * (see embeddedCongoProcess.ts for why). The child stops with this process, however it ends.
 */
export async function startCongo(): Promise<{ uri: string; pid: number; stop: () => Promise<void> }> {
  const { modulePath, execArgv } = childEntry();
  const child = fork(modulePath, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const socketPath = await waitUntilReady(child);
  const socketDir = path.dirname(socketPath);
  let stopping = false;
  child.once('exit', (code, signal) => {
    if (!stopping) exitOnUnexpectedEnd(socketDir, code, signal);
  });
  // The database alone never keeps this process alive; when this process ends, so does the child.
  child.unref();
  child.channel?.unref();
  return {
    // CongoDB answers the driver's streaming (exhaust) heartbeats wrongly: the driver reports
    // "Server ended moreToCome unexpectedly", clears its pool and stalls operations ~500 ms.
    // Polling heartbeats avoid that; the option travels in the URI to every client.
    uri: `mongodb://${encodeURIComponent(socketPath)}/?serverMonitoringMode=poll`,
    pid: child.pid!,
    stop: async () => {
      stopping = true;
      await stopChild(child);
      // The child removes its directory itself; this covers a child killed before it could.
      rmSync(socketDir, { recursive: true, force: true });
    },
  };
}
