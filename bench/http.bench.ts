// Send-event throughput and latency over HTTP, against the real server: `server/host/main.ts` as a child
// process (as `npm start` runs it: migrations, the demo township seeded, the timer scheduler, the
// request log at info, here to a file) on a temporary SQLite file (WAL, synchronous=FULL), with
// authentication on. autocannon drives `instances.send` at 1, 16 and 64 connections.
//
// Every request is a valid tRPC mutation the server must accept: the clerk of 东坪村 records a
// two-committee meeting without quorum, which sends the 五议两公开 instance back to the same step,
// so it can repeat. Each request takes an instance no other request has in flight, with the sequence
// number the last response returned, so concurrent clients never conflict; anything but a 200 is
// counted and reported. Memory: the server's resident set sampled through the load (VmRSS) and the
// kernel's high-water mark (VmHWM, which includes start-up and seeding).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, makePool, NO_QUORUM, refreshPool, SECONDS, sendLoad, signIn, type Slot } from './http-load.ts';
import type { Benchmark, Result } from './lib.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LEVELS = [1, 16, 64];
/** Instances to send to: twice the most connections, so a free one is always at hand. */
const POOL = 2 * Math.max(...LEVELS);

const task = (c: number) => `send event, ${c} connection${c === 1 ? '' : 's'}`;

interface Server {
  url: string;
  pid: number;
  child: ChildProcess;
  stop(): Promise<{ commits: number; writes: number; largest: number } | null>;
}

/** Starts `server/host/main.ts` on a free port and a fresh database; resolves once it listens. */
async function startServer(dir: string): Promise<Server> {
  const logFile = join(dir, 'server.log');
  const out = openSync(logFile, 'w');
  const profile = process.env.BENCH_HTTP_CPU_PROF;
  const child = spawn(process.execPath, [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []), '--import', 'tsx', join(ROOT, 'server', 'host', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', VILLAGEFLOW_DB: join(dir, 'bench.db'), VILLAGEFLOW_READY_LINE: '1', VILLAGEFLOW_BUILD_WEB: '0' },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 120_000;
  for (;;) {
    const ready = /^READY (\d+)$/m.exec(readFileSync(logFile, 'utf8'));
    if (ready) {
      return {
        url: `http://127.0.0.1:${ready[1]}`,
        pid: child.pid!,
        child,
        async stop() {
          child.kill('SIGTERM');
          await exited;
          // The group-commit counters the server logs at shutdown (seeding and setup included).
          const line = readFileSync(logFile, 'utf8').split('\n').findLast((l) => l.includes('"event writes and their commits"'));
          return line ? (JSON.parse(line) as { commits: number; writes: number; largest: number }) : null;
        },
      };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server did not start:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** kB from /proc/PID/status (Linux). */
function memoryOf(pid: number): { rssKb: number; hwmKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

/**
 * CPU time used so far, user + system, in ms (/proc, Linux): by the whole process, or by its main
 * thread alone (`/proc/PID/task/PID/stat`), which is where requests are handled.
 */
function cpuMsOf(pid: number, mainThread = false): number {
  const fields = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  // After "pid (comm) ": state is field 3, utime 14 and stime 15 (1-based), in clock ticks.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}
const TICKS_PER_SECOND = 100;

const bench: Benchmark = {
  name: 'http',
  description: `instances.send over HTTP (server/host/main.ts, SQLite file, signed in) with autocannon at ${LEVELS.join(', ')} connections, ${SECONDS} s each; server memory`,
  async run(): Promise<Result[]> {
    const dir = mkdtempSync(join(tmpdir(), 'villageflow-bench-http-'));
    const server = await startServer(dir);
    const results: Result[] = [];
    try {
      const secretary = await signIn(server.url, 'dongping.secretary');
      const clerk = await signIn(server.url, 'dongping.clerk');
      const pool: Slot[] = await makePool([server.url], secretary, POOL);
      // Self-check: the clerk's event is accepted and loops back to the same step.
      const check = await call<{ seq: number; state: string }>(server.url, 'instances.send', { id: pool[0]!.id, seq: pool[0]!.seq, type: 'RECORD_VOTE', payload: NO_QUORUM }, clerk);
      if (check.data.state !== 'two_committees' || check.data.seq !== pool[0]!.seq + 1) throw new Error(`a meeting without quorum went to ${check.data.state} at ${check.data.seq}`);
      pool[0]!.seq = check.data.seq;

      // Before each run every instance's sequence number is read back: requests cut off when a run
      // stopped may have been applied without their response being seen.
      const refresh = () => refreshPool(server.url, pool, clerk);
      await refresh();
      await sendLoad([server.url], 16, clerk, pool, 1);
      const before = memoryOf(server.pid);
      let peakRssKb = before.rssKb;
      const sampler = setInterval(() => (peakRssKb = Math.max(peakRssKb, memoryOf(server.pid).rssKb)), 100);
      try {
        for (const connections of LEVELS) {
          await refresh();
          const cpuBefore = cpuMsOf(server.pid);
          const mainBefore = cpuMsOf(server.pid, true);
          const { runs, lost } = await sendLoad([server.url], connections, clerk, pool, SECONDS);
          const result = runs[0]!;
          const cpuMs = cpuMsOf(server.pid) - cpuBefore;
          const mainMs = cpuMsOf(server.pid, true) - mainBefore;
          const ok = result['2xx'];
          const perSec = ok / result.duration;
          results.push({
            bench: 'http',
            task: task(connections),
            unit: 'events',
            perOp: 1,
            input: connections,
            inputUnit: `connections, ${POOL} instances`,
            opsPerSec: perSec,
            itemsPerSec: perSec,
            usPerItem: 1e6 / perSec,
            rmePct: result.requests.average ? (100 * result.requests.stddev) / result.requests.average : 0,
            samples: ok,
            extra: {
              p50Ms: result.latency.p50,
              p99Ms: result.latency.p99,
              meanMs: result.latency.mean,
              maxMs: result.latency.max,
              non2xx: result.non2xx,
              errors: result.errors,
              timeouts: result.timeouts,
              lostInstances: lost,
              // The server's CPU per accepted event: steadier than the rate on a shared machine.
              serverCpuUsPerEvent: (1000 * cpuMs) / ok,
              mainThreadCpuUsPerEvent: (1000 * mainMs) / ok,
              seconds: result.duration,
            },
          });
        }
      } finally {
        clearInterval(sampler);
      }
      const after = memoryOf(server.pid);
      peakRssKb = Math.max(peakRssKb, after.rssKb);
      for (const r of results) Object.assign(r.extra!, { rssBeforeMB: before.rssKb / 1024, peakRssMB: peakRssKb / 1024, hwmMB: after.hwmKb / 1024 });
      return results;
    } finally {
      const commits = await server.stop();
      if (commits && results.length) Object.assign(results.at(-1)!.extra!, { commits: commits.commits, committedWrites: commits.writes, largestCommit: commits.largest });
      rmSync(dir, { recursive: true, force: true });
    }
  },
  summarize(results) {
    const lines = results.map((r) => {
      const e = r.extra!;
      const failed = e.non2xx! + e.errors! + e.timeouts!;
      return `${r.task}: ${Math.round(r.itemsPerSec).toLocaleString('en-US')} events/s, p50 ${e.p50Ms} ms, p99 ${e.p99Ms} ms, max ${e.maxMs} ms, server CPU ${Math.round(e.serverCpuUsPerEvent!)} µs/event (main thread ${Math.round(e.mainThreadCpuUsPerEvent!)}); ${failed === 0 ? 'no errors' : `${e.non2xx} non-2xx, ${e.errors} errors, ${e.timeouts} timeouts`}`;
    });
    const top = results.find((r) => r.input === 64);
    if (top) {
      const e = top.extra!;
      const rate = top.itemsPerSec >= 3000 ? 'meets 3,000 events/s' : `below 3,000 events/s by ${Math.round(3000 - top.itemsPerSec)} (${((100 * top.itemsPerSec) / 3000).toFixed(0)}%)`;
      const p99 = e.p99Ms! <= 50 ? 'meets p99 ≤ 50 ms' : `p99 above 50 ms by ${e.p99Ms! - 50} ms`;
      lines.push(`target at 64 connections: ${rate}; ${p99}`);
      if (e.commits) {
        lines.push(`group commit: ${e.committedWrites} event writes in ${e.commits} commits over the server's life (seeding included), ${(e.committedWrites! / e.commits).toFixed(1)} per commit, at most ${e.largestCommit}`);
      }
      lines.push(
        `server memory: ${e.rssBeforeMB!.toFixed(0)} MB resident before the load, peak ${e.peakRssMB!.toFixed(0)} MB during it (sampled every 100 ms); VmHWM ${e.hwmMB!.toFixed(0)} MB (since start, seeding included)`,
      );
    }
    return lines;
  },
};
export default bench;
