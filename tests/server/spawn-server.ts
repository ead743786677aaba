// A real server process (`node --import tsx server/host/main.ts`) on a free port, for tests and
// benchmarks that need several processes or kill one and restart it on the same database: it
// prints READY <port> once it listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process wrote to stderr (and stdout after READY). */
  output: string[];
  /** Stops the process and waits for it to exit; SIGKILL stands for a crash. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** The environment for a server on `db` (SQLite file or PostgreSQL URL) whose clock is read from `clockPath` (the test moves it). */
export function fileClockEnv(db: string, clockPath: string, tickMs = 200): Record<string, string> {
  return { VILLAGEFLOW_DB: db, VILLAGEFLOW_CLOCK: `file:${clockPath}`, VILLAGEFLOW_TICK_MS: String(tickMs) };
}

/** Starts server/host/main.ts with `env` on top of this process's environment (PORT 0, quiet, no web build). */
export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  // Vitest's own loader options must not leak into the child.
  const { NODE_OPTIONS: _inherited, ...base } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/host/main.ts'], {
    cwd: ROOT,
    env: { ...base, PORT: '0', HOST: '127.0.0.1', VILLAGEFLOW_READY_LINE: '1', VILLAGEFLOW_QUIET: '1', VILLAGEFLOW_BUILD_WEB: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (d: string) => output.push(d));
  let stdout = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timeout = setTimeout(() => {
      // A server that never got ready must not outlive the test.
      child.kill('SIGKILL');
      reject(new Error(`no READY line within 60 s:\n${stdout}${output.join('')}`));
    }, 60_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.includes('READY ')) return void output.push(d);
      stdout += d;
      const m = /^READY (\d+)$/m.exec(stdout);
      if (m) clearTimeout(timeout), resolve(Number(m[1]));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timeout);
      reject(new Error(`server exited (${code ?? signal}) before READY:\n${stdout}${output.join('')}`));
    });
  });
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    output,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
  };
}
