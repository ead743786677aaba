// `npm run bench` runs every bench/*.bench.ts; `npm run bench -- NAME...` runs the named ones.
// Prints a table and writes bench/results.json.
import { readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Benchmark, Result } from './lib.ts';

const dir = fileURLToPath(new URL('.', import.meta.url));

async function registry(): Promise<Benchmark[]> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort();
  const benches: Benchmark[] = [];
  for (const f of files) {
    const mod = (await import(new URL(f, import.meta.url).href)) as { default: Benchmark };
    benches.push(mod.default);
  }
  return benches;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function table(results: Result[]): string {
  const head = ['bench', 'task', 'input', 'ops/s', 'items/s', 'µs/item', '±rme', 'samples'];
  const rows = results.map((r) => [
    r.bench,
    r.task,
    `${r.input} ${r.inputUnit}`,
    fmt(r.opsPerSec),
    `${fmt(r.itemsPerSec)} ${r.unit}/s`,
    fmt(r.usPerItem, 2),
    `${r.rmePct.toFixed(2)}%`,
    String(r.samples),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function main() {
  const wanted = process.argv.slice(2).filter((a) => a !== '--');
  const all = await registry();
  const unknown = wanted.filter((w) => !all.some((b) => b.name === w));
  if (unknown.length) {
    console.error(`unknown benchmark ${unknown.join(', ')}; available: ${all.map((b) => b.name).join(', ')}`);
    process.exit(1);
  }
  const chosen = wanted.length ? all.filter((b) => wanted.includes(b.name)) : all;
  const cpus = os.cpus();
  const machine = { node: process.version, cpus: cpus.length, cpuModel: cpus[0]?.model.trim() ?? 'unknown' };
  console.log(`node ${machine.node}, ${machine.cpus} × ${machine.cpuModel}`);

  const results: Result[] = [];
  const summary: Record<string, string[]> = {};
  for (const b of chosen) {
    console.log(`\n▶ ${b.name}: ${b.description}`);
    const rs = await b.run();
    results.push(...rs);
    summary[b.name] = b.summarize?.(rs) ?? [];
  }
  console.log('\n' + table(results));
  for (const [name, lines] of Object.entries(summary)) {
    if (lines.length) console.log(`\n${name}:\n` + lines.map((l) => `  ${l}`).join('\n'));
  }
  const out = { machine, date: new Date().toISOString(), results, summary };
  writeFileSync(new URL('results.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
  console.log(`\nwrote ${fileURLToPath(new URL('results.json', import.meta.url))}`);
}

await main();
