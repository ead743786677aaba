// Records per second through `verify` (re-hash and re-execute a chain) and `replay` (rebuild every
// snapshot from the records), over two inputs:
// - one long history: a 五议两公开 instance whose party members' meeting is reconvened again and
//   again (40 ballots, then no quorum: 41 records a round) before it passes and the golden happy
//   path runs to the end, about 10,000 records;
// - a village's archive: every golden run of every bundled flow, each as many separate instances
//   (a different starter id per copy, so no two chains share a hash), verified one after another.
// Each with the engine's default SHA-256 (@noble/hashes) and with node:crypto injected.
import { readdirSync, readFileSync } from 'node:fs';
import { compileFlow, replay, simulate, verify, type CompiledFlow, type FlowEvent, type HistoryRecord } from '../engine/index.ts';
import { setSha256 } from '../engine/hash.ts';
import { find, measure, nodeSha256, type Benchmark, type Result, type TaskSpec } from './lib.ts';

const FLOWS = new URL('../flows/', import.meta.url);
const readJson = (url: URL): unknown => JSON.parse(readFileSync(url, 'utf8'));

/** Golden run files of a flow id, parsed. */
function runsOf(flowId: string): { name: string; events: FlowEvent[] }[] {
  return readdirSync(new URL('runs/', FLOWS))
    .filter((f) => f.startsWith(`${flowId}.`) && f.endsWith('.run.json'))
    .sort()
    .map((f) => ({ name: f, events: (readJson(new URL(`runs/${f}`, FLOWS)) as { events: FlowEvent[] }).events }));
}

const LONG_TARGET = 10_000;
const BALLOTS_PER_ROUND = 40;

/** The golden happy path with reconvened party members' meetings inserted before its own ballots. */
export function longHistory(compiled: CompiledFlow): HistoryRecord[] {
  const happy = runsOf(compiled.flow.id).find((r) => r.name.endsWith('.happy-path.run.json'))!.events;
  const firstBallot = happy.findIndex((e) => e.type === 'CAST_BALLOT');
  const close = happy.find((e) => e.type === 'CLOSE_VOTE')!;
  // Between the two committees' vote and the golden ballots: one event a second from here.
  let t = Date.parse(happy[firstBallot - 1]!.at) + 86_400_000;
  const at = () => new Date((t += 1000)).toISOString();
  const round: () => FlowEvent[] = () => [
    ...Array.from({ length: BALLOTS_PER_ROUND }, (_, i) => ({
      type: 'CAST_BALLOT',
      actor: { id: `u-member-${i + 1}`, roles: ['party_member'] },
      at: at(),
      payload: { choice: i % 3 === 0 ? 'against' : 'for' },
    })),
    // 40 of 100 entitled members came: no quorum, and the meeting is called again.
    { type: 'CLOSE_VOTE', actor: close.actor, at: at(), payload: { members: 100, eligible: 100 } },
  ];
  const rounds = Math.floor((LONG_TARGET - happy.length) / (BALLOTS_PER_ROUND + 1));
  const events = [...happy.slice(0, firstBallot), ...Array.from({ length: rounds }, round).flat(), ...happy.slice(firstBallot)];
  if (Date.parse(events[firstBallot + rounds * (BALLOTS_PER_ROUND + 1) - 1]!.at) >= Date.parse(happy[firstBallot]!.at)) {
    throw new Error('the inserted meetings run past the golden ballots');
  }
  return simulate(compiled, events).map((s) => s.record);
}

interface Archive {
  instances: { compiled: CompiledFlow; records: HistoryRecord[] }[];
  records: number;
  flows: number;
  runs: number;
}

const COPIES = 20;

/** Every golden run of every flow, COPIES times over with a different starter id each time. */
export function villageArchive(): Archive {
  const archive: Archive = { instances: [], records: 0, flows: 0, runs: 0 };
  for (const file of readdirSync(FLOWS).filter((f) => f.endsWith('.flow.json')).sort()) {
    let compiled: CompiledFlow;
    try {
      compiled = compileFlow(readJson(new URL(file, FLOWS)));
    } catch {
      continue; // a flow being edited: not part of the archive
    }
    let used = false;
    for (const run of runsOf(compiled.flow.id)) {
      for (let copy = 0; copy < COPIES; copy++) {
        const [first, ...rest] = run.events;
        const events = [{ ...first!, actor: { ...first!.actor, id: `${first!.actor.id}~${copy}` } }, ...rest];
        let records: HistoryRecord[];
        try {
          records = simulate(compiled, events).map((s) => s.record);
        } catch {
          break; // a run that does not replay (being edited, or it needs its starter's own id)
        }
        archive.instances.push({ compiled, records });
        archive.records += records.length;
        if (copy === 0) archive.runs++;
        used = true;
      }
    }
    if (used) archive.flows++;
  }
  return archive;
}

/**
 * The archive's records by type, most frequent first. The mix, not the instances' count, is what
 * makes an archive record cost more than a long history's: ballots there, forms (each validated
 * as a form and as instance data, and the longest to hash) and state changes here.
 */
function eventMix(archive: Archive): string {
  const count = new Map<string, number>();
  for (const { records } of archive.instances) for (const r of records) count.set(r.type, (count.get(r.type) ?? 0) + 1);
  return [...count].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([type, n]) => `${type} ${Math.round((100 * n) / archive.records)}%`).join(', ') + ', ...';
}

let sink: unknown;

const T = {
  verifyLong: 'verify one long history',
  replayLong: 'replay one long history',
  verifyArchive: 'verify a village archive',
  replayArchive: 'replay a village archive',
};
const NODE = ' (node:crypto SHA-256)';

const bench: Benchmark = {
  name: 'replay',
  description: 'records/s through verify and replay: one ~10,000-record history, and a village archive of many instances',
  async run(): Promise<Result[]> {
    const compiled = compileFlow(readJson(new URL('five-deliberations-two-disclosures.flow.json', FLOWS)));
    const long = longHistory(compiled);
    const check = verify(compiled, long, { head: long.at(-1)!.hash });
    if (!check.ok) throw new Error(`the long history does not verify: ${check.reason}`);
    if (replay(compiled, long).at(-1)!.state !== 'adopted') throw new Error('the long history does not end adopted');

    const archive = villageArchive();
    for (const { compiled: c, records } of archive.instances) {
      const v = verify(c, records);
      if (!v.ok) throw new Error(`archive instance of ${c.flow.id} does not verify: ${v.reason}`);
    }
    console.log(`  long history: ${long.length} records; archive: ${archive.instances.length} instances ` +
      `(${archive.runs} golden runs of ${archive.flows} flows × ${COPIES}), ${archive.records} records: ${eventMix(archive)}`);

    const longTask = { unit: 'records', perOp: long.length, input: long.length, inputUnit: 'records' };
    const archiveTask = { unit: 'records', perOp: archive.records, input: archive.instances.length, inputUnit: `instances, ${archive.records} records` };
    const nodeHash = { setup: () => setSha256(nodeSha256), teardown: () => setSha256() };
    const tasks = (suffix: string, extra: Partial<TaskSpec>): TaskSpec[] => [
      { name: T.verifyLong + suffix, ...longTask, ...extra, fn: () => void (sink = verify(compiled, long)) },
      { name: T.replayLong + suffix, ...longTask, ...extra, fn: () => void (sink = replay(compiled, long)) },
      {
        name: T.verifyArchive + suffix,
        ...archiveTask,
        ...extra,
        fn: () => {
          for (const { compiled: c, records } of archive.instances) sink = verify(c, records);
        },
      },
      {
        name: T.replayArchive + suffix,
        ...archiveTask,
        ...extra,
        fn: () => {
          for (const { compiled: c, records } of archive.instances) sink = replay(c, records);
        },
      },
    ];
    // An operation is a whole history or archive (tens of milliseconds): a few samples suffice.
    return measure(this.name, [...tasks('', {}), ...tasks(NODE, nodeHash)], { iterations: 8 });
  },
  summarize(results) {
    const line = (task: string) => {
      const noble = find(results, task);
      const node = find(results, task + NODE);
      const verdict = (r: Result) => (r.itemsPerSec >= 100_000 ? 'meets' : 'below');
      return `${task}: ${Math.round(noble.itemsPerSec).toLocaleString('en-US')} records/s with noble (${verdict(noble)} 100,000), ` +
        `${Math.round(node.itemsPerSec).toLocaleString('en-US')} with node:crypto (${verdict(node)}); ${noble.usPerItem.toFixed(2)} / ${node.usPerItem.toFixed(2)} µs per record`;
    };
    return [T.verifyLong, T.replayLong, T.verifyArchive, T.replayArchive].map(line);
  },
};
export default bench;
