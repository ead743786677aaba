// The real server as a child process (`server/main.ts`), on a given SQLite file and a file clock
// the test moves, so a test can SIGKILL it and start it again on the same file.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { ROOT } from './fixtures.ts';

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: string[];
}

export async function spawnServer(dbPath: string, clockPath: string, tickMs = 200): Promise<ServerProcess> {
  const { NODE_OPTIONS: _inherited, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: {
      ...env,
      PORT: '0',
      HOST: '127.0.0.1',
      VILLAGEFLOW_DB: dbPath,
      VILLAGEFLOW_CLOCK: `file:${clockPath}`,
      VILLAGEFLOW_READY_LINE: '1',
      VILLAGEFLOW_QUIET: '1',
      VILLAGEFLOW_TICK_MS: String(tickMs),
      VILLAGEFLOW_BUILD_WEB: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (d: string) => output.push(d));
  let stdout = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error(`no READY line within 60 s:\n${stdout}${output.join('')}`)), 60_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const m = /^READY (\d+)$/m.exec(stdout);
      if (m) clearTimeout(timeout), resolve(Number(m[1]));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timeout);
      reject(new Error(`server exited (${code ?? signal}) before READY:\n${stdout}${output.join('')}`));
    });
  });
  // Later stdout (JSON log lines at warn and above) is kept with stderr for failure messages.
  child.stdout!.on('data', (d: string) => output.push(d));
  return { child, url: `http://127.0.0.1:${port}`, output };
}

export async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}
