// What a benchmark file exports, and the one helper that turns tinybench tasks into results.
// A benchmark is a file bench/<name>.bench.ts whose default export is a Benchmark; run.ts finds it.
import { hash } from 'node:crypto';
import { Bench, type Task } from 'tinybench';

export interface Result {
  /** The benchmark (file) this row belongs to. */
  bench: string;
  task: string;
  /** What the counted items are (plural): "transitions", "hashes", ... */
  unit: string;
  /** Items per task call (e.g. events in one replayed run). */
  perOp: number;
  /** Input size and what it counts, e.g. 17 "events/run" or 780 "bytes". */
  input: number;
  inputUnit: string;
  opsPerSec: number;
  /** opsPerSec × perOp. */
  itemsPerSec: number;
  /** Mean time per item in microseconds. */
  usPerItem: number;
  /** Relative margin of error of the mean latency, percent. */
  rmePct: number;
  samples: number;
  /** Figures a row has beyond throughput (latency percentiles, errors, memory), kept in results.json. */
  extra?: Record<string, number>;
}

export interface Benchmark {
  name: string;
  description: string;
  run(): Promise<Result[]>;
  /** Derived lines (ratios, shares) printed under the table and kept in results.json. */
  summarize?(results: Result[]): string[];
}

export interface TaskSpec {
  name: string;
  /** Timed as a whole; an async task's time runs until its promise settles. */
  fn: () => void | Promise<void>;
  unit: string;
  perOp: number;
  input: number;
  inputUnit: string;
  /** Runs before the task's warmup and again before its measured run (e.g. to switch the hasher). */
  setup?: () => void;
  /** Runs after each of them, undoing `setup`. */
  teardown?: () => void;
}

/** Per-task time budget in ms (BENCH_TIME_MS overrides); warmup is a fraction of it. */
export const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 1500);

/**
 * Runs the tasks for TIME_MS each (after a warmup). `iterations` is the least number of samples
 * per task (tinybench's default is 64): lower it for tasks that take a good part of a second.
 * `time` overrides TIME_MS; `rounds` > 1 splits it into that many interleaved rounds and keeps each task's fastest.
 */
export async function measure(bench: string, specs: TaskSpec[], options: { iterations?: number; rounds?: number; time?: number } = {}): Promise<Result[]> {
  const rounds = options.rounds ?? 1;
  if (rounds > 1) {
    // Interleaved rounds, each task's fastest kept: on a shared machine (a shared disk for fsync
    // above all) a burst of someone else's work then costs one round of one task, not a whole row.
    const best = new Map<string, Result>();
    for (let r = 0; r < rounds; r++) {
      for (const result of await measure(bench, specs, { iterations: options.iterations, time: (options.time ?? TIME_MS) / rounds })) {
        const kept = best.get(result.task);
        if (!kept || result.opsPerSec > kept.opsPerSec) best.set(result.task, result);
      }
    }
    return specs.map((s) => best.get(s.name)!);
  }
  const time = options.time ?? TIME_MS;
  const b = new Bench({
    time,
    warmupTime: Math.min(500, time / 4),
    throws: true,
    ...(options.iterations ? { iterations: options.iterations, warmupIterations: Math.min(5, options.iterations) } : {}),
  });
  for (const s of specs) b.add(s.name, s.fn, { beforeAll: s.setup, afterAll: s.teardown });
  await b.run();
  return specs.map((s) => toResult(bench, s, b.getTask(s.name)!));
}

function toResult(bench: string, s: TaskSpec, task: Task): Result {
  const r = task.result;
  if (r.state !== 'completed') throw new Error(`${bench}/${s.name}: task ${r.state}`);
  // ops/s from the mean latency (totalTime / runs), not the mean of per-sample throughputs.
  const opsPerSec = 1000 / r.period;
  return {
    bench,
    task: s.name,
    unit: s.unit,
    perOp: s.perOp,
    input: s.input,
    inputUnit: s.inputUnit,
    opsPerSec,
    itemsPerSec: opsPerSec * s.perOp,
    usPerItem: (r.period * 1000) / s.perOp,
    rmePct: r.latency.rme,
    samples: r.latency.samplesCount,
  };
}

/** SHA-256 from node:crypto, for the engine's setSha256: what a Node host (server, CLI) injects. */
export const nodeSha256 = (text: string): string => hash('sha256', text);

export function find(results: Result[], task: string): Result {
  const r = results.find((x) => x.task === task);
  if (!r) throw new Error(`no result for task "${task}"`);
  return r;
}
