import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's `influx` 1.6.7 CLI (`apt-get install influxdb-client`). */
export const influxCliPath = process.env.INFLUX_CLI_PATH ?? '/usr/bin/influx';

export interface CliRun {
  /** The exit code: the CLI exits 0 after an `ERR:` from the server, so assert on the output. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI once with `args` and no terminal, killed after `timeoutMs`. Its home is a
 * directory that does not exist, so it reads no ~/.influx_history of the machine.
 */
export function runInfluxCli(args: string[], timeoutMs = 20_000): Promise<CliRun> {
  if (!existsSync(influxCliPath))
    throw new Error(`${influxCliPath} is missing: npm run test:e2e needs Debian's influxdb-client (apt-get install -y influxdb-client)`);
  return new Promise((resolve, reject) => {
    const child = execFile(
      influxCliPath,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' } },
      (error, stdout, stderr) => {
        if (error && (error as { killed?: boolean }).killed) {
          reject(new Error(`influx ${args.join(' ')} was killed after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
          return;
        }
        resolve({ code: child.exitCode, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    child.stdin?.end();
  });
}
