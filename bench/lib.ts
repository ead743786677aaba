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
  fn: () => void;
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
 */
export async function measure(bench: string, specs: TaskSpec[], options: { iterations?: number } = {}): Promise<Result[]> {
  const b = new Bench({
    time: TIME_MS,
    warmupTime: Math.min(500, TIME_MS / 4),
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
