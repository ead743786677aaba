// Golden runs (flows/runs/*.run.json): recorded event sequences whose final state and record
// hashes are pinned; `villageflow runs` replays them, `--write` pins what the engine gives now.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baselineCalendar, simulate, type FlowEvent } from '../engine/index.ts';
import { FLOWS_DIR } from './generate-types.ts';
import { loadFlow } from './flows.ts';
import { CliError, readJson } from './io.ts';

export interface GoldenRun {
  flow: string;
  events: FlowEvent[];
  expect: { final: string; hashes: string[] };
}
export const RUNS_DIR = join(FLOWS_DIR, 'runs');

export function runFiles(): string[] {
  return readdirSync(RUNS_DIR)
    .filter((f) => f.endsWith('.run.json'))
    .sort()
    .map((f) => join(RUNS_DIR, f));
}

export function loadRun(file: string): GoldenRun {
  const run = readJson(file) as GoldenRun;
  if (!run || typeof run.flow !== 'string' || !Array.isArray(run.events) || typeof run.expect?.final !== 'string') {
    throw new CliError(`${file}: a golden run is { "flow", "events": [...], "expect": { "final", "hashes" } }`);
  }
  return run;
}

/** Replays one run; returns what differs from its expectation (empty when it holds). */
export function checkRun(file: string, write: boolean): string[] {
  const run = loadRun(file);
  const compiled = loadFlow(join(FLOWS_DIR, run.flow));
  // On the calendar the designer simulates on: the baseline years, provisional ones beyond.
  const steps = simulate(compiled, run.events, { calendar: baselineCalendar() });
  const final = steps.at(-1)!.snapshot.state;
  const hashes = steps.map((s) => s.record.hash);
  if (write) {
    run.expect = { final, hashes };
    writeFileSync(file, JSON.stringify(run, null, 2) + '\n');
    return [];
  }
  const problems: string[] = [];
  if (!run.expect.hashes?.length) return ['no record hashes are pinned yet; run npm run flows:runs to pin them'];
  if (final !== run.expect.final) problems.push(`ends in "${final}", expected "${run.expect.final}"`);
  const diverge = hashes.findIndex((h, i) => h !== run.expect.hashes?.[i]);
  if (diverge >= 0 || hashes.length !== run.expect.hashes?.length) {
    problems.push(`record hashes differ from the pinned ones${diverge >= 0 ? ` from record ${diverge + 1}` : ' in count'}`);
  }
  return problems;
}
