// Durable event writes per second through the SQLite store (WAL, synchronous=FULL: a commit waits
// for its fsync), against the database's own limit measured in the same run: the same rows (instance
// update, history record, task rows) written by better-sqlite3 prepared statements with nothing
// else, one transaction per event and 100 events per transaction. The store is timed one write at
// a time (each awaited: the one-transaction-per-event path) and with 16, 64 and 100 writes in
// flight at once, which group commit puts in one transaction, acknowledging each after the COMMIT.
// Tasks run in three interleaved rounds and keep their best: the disk is shared.
//
// The event is a 五议两公开 two-committee meeting recorded without quorum, which loops back to the
// same step, so an instance can take it again and again. Its write is made once by the engine and
// re-sequenced per append (seq and expected seq; the store checks the sequence, not the hash), so
// the engine's time is not counted here; each instance row carries the realistic ≈3 KB snapshot.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { apply, compileFlow, openSteps, start, type FlowEvent, type StepResult } from '../engine/index.ts';
import { publishBundled } from '../server/matters/flows.ts';
import { SqliteStore } from '../server/store/sqlite/index.ts';
import type { EventWrite } from '../server/store/types.ts';
import { find, measure, type Benchmark, type Result } from './lib.ts';

const FIVE = 'five-deliberations-two-disclosures';
const FLOW_JSON = readFileSync(new URL(`../flows/${FIVE}.flow.json`, import.meta.url), 'utf8');
const RUN = JSON.parse(readFileSync(new URL(`../flows/runs/${FIVE}.happy-path.run.json`, import.meta.url), 'utf8')) as { events: FlowEvent[] };
/** Instances written round-robin (100: the most writes in flight at once). */
const INSTANCES = 100;
const BATCH = 100;

const T = {
  rawOne: 'raw better-sqlite3, 1 event per transaction',
  rawBatch: `raw better-sqlite3, ${BATCH} events per transaction`,
  storeOne: 'store appendEvent, one at a time',
  store16: 'store appendEvent, 16 concurrent (group commit)',
  store64: 'store appendEvent, 64 concurrent (group commit)',
  store100: `store appendEvent, ${BATCH} concurrent (group commit)`,
};

/** The engine's write for a no-quorum two-committee meeting, from an instance just submitted. */
function template(): { first: StepResult; write: Omit<EventWrite, 'instanceId' | 'expectedSeq'> } {
  const compiled = compileFlow(JSON.parse(FLOW_JSON));
  const [startEvent, submit, meeting] = RUN.events as [FlowEvent, FlowEvent, FlowEvent];
  const first = start(compiled, startEvent);
  const submitted = apply(compiled, first.snapshot, submit);
  const noQuorum: FlowEvent = { ...meeting, payload: { members: 7, eligible: 7, present: 3, for: 3, against: 0, abstain: 0, recused: 0 } };
  const step = apply(compiled, submitted.snapshot, noQuorum);
  if (step.snapshot.state !== 'two_committees') throw new Error(`a meeting without quorum should stay in two_committees, went to ${step.snapshot.state}`);
  return { first, write: { record: step.record, snapshot: step.snapshot, effects: step.effects, tasks: openSteps(compiled, step.snapshot) } };
}

/** The template re-sequenced for an instance now at `seq`. */
function resequenced(t: Omit<EventWrite, 'instanceId' | 'expectedSeq'>, instanceId: string, seq: number): EventWrite {
  return { ...t, instanceId, expectedSeq: seq, record: { ...t.record, seq: seq + 1 }, snapshot: { ...t.snapshot, seq: seq + 1 } };
}

/** A migrated store with INSTANCES instances of 五议两公开 at seq 1. */
async function freshStore(path: string, first: StepResult, write: Omit<EventWrite, 'instanceId' | 'expectedSeq'>) {
  const store = new SqliteStore(path);
  await store.migrate();
  await store.createTownship({ id: 't1', name: '青山镇' });
  await store.createVillage({ id: 'v1', townshipId: 't1', name: '东坪村', kind: 'village' });
  const version = await publishBundled(store, 't1', FLOW_JSON, 'u1', '2026-03-01T00:00:00.000Z', ['v1']);
  const ids = Array.from({ length: INSTANCES }, (_, k) => `bench-${k}`);
  await Promise.all(
    ids.map((id) =>
      store.createInstance(
        { id, villageId: 'v1', townshipId: 't1', flowVersionId: version.id, flowId: FIVE, title: '硬化村东组通组道路', snapshot: first.snapshot, startedBy: 'u1', createdAt: first.record.at },
        { record: first.record, snapshot: first.snapshot, effects: first.effects, tasks: write.tasks },
      ),
    ),
  );
  return { store, ids, seqs: ids.map(() => 1) };
}

let sink: unknown;

const bench: Benchmark = {
  name: 'store',
  description: 'durable event writes (WAL, synchronous=FULL): the SQLite store vs raw better-sqlite3, one transaction per event, batched, group commit',
  async run(): Promise<Result[]> {
    const dir = mkdtempSync(join(tmpdir(), 'villageflow-bench-store-'));
    try {
      const { first, write } = template();

      // The raw limit: the store's schema, the same rows, values serialised up front.
      const rawSetup = await freshStore(join(dir, 'raw.db'), first, write);
      await rawSetup.store.close();
      const raw = new Database(join(dir, 'raw.db'));
      raw.pragma('journal_mode = WAL');
      raw.pragma('synchronous = FULL');
      raw.pragma('foreign_keys = ON');
      const r = write.record;
      const payload = JSON.stringify(r.payload);
      const snapshotJson = JSON.stringify(write.snapshot);
      const taskRows = write.tasks.flatMap((t) => t.roles.map((role) => [role, t.state, t.since, t.due, t.overdue ? 1 : 0] as const));
      const update = raw.prepare('UPDATE instances SET state = ?, status = ?, outcome = ?, seq = ?, head = ?, snapshot = ?, updated_at = ? WHERE id = ? AND seq = ?');
      const insertHistory = raw.prepare('INSERT INTO history (instance_id, seq, type, actor_id, role, at, payload, state, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
      const deleteTasks = raw.prepare('DELETE FROM tasks WHERE instance_id = ?');
      const insertTask = raw.prepare(
        'INSERT INTO tasks (instance_id, role, village_id, township_id, flow_id, title, state, since, due, overdue) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      const rawSeqs = rawSetup.seqs;
      let rawNext = 0;
      const rawEvent = () => {
        const k = rawNext++ % INSTANCES;
        const id = rawSetup.ids[k]!;
        const seq = rawSeqs[k]!;
        if (update.run(write.snapshot.state, write.snapshot.status, write.snapshot.outcome, seq + 1, r.hash, snapshotJson, r.at, id, seq).changes !== 1) throw new Error(`raw: ${id} is not at ${seq}`);
        insertHistory.run(id, seq + 1, r.type, r.actor.id, r.actor.role, r.at, payload, r.state, r.prev, r.hash);
        deleteTasks.run(id);
        for (const [role, state, since, due, overdue] of taskRows) insertTask.run(id, role, 'v1', 't1', FIVE, '硬化村东组通组道路', state, since, due, overdue);
        rawSeqs[k] = seq + 1;
      };
      const rawOne = raw.transaction(rawEvent);
      const rawBatch = raw.transaction(() => {
        for (let i = 0; i < BATCH; i++) rawEvent();
      });

      const { store, ids, seqs } = await freshStore(join(dir, 'store.db'), first, write);
      let next = 0;
      const append = () => {
        const k = next++ % INSTANCES;
        const seq = seqs[k]!;
        seqs[k] = seq + 1;
        return store.appendEvent(resequenced(write, ids[k]!, seq));
      };
      const concurrent = (n: number) => async () => void (sink = await Promise.all(Array.from({ length: n }, append)));

      // Self-check: every path writes what the store reads back as the next record of the chain.
      rawOne();
      rawBatch();
      await append();
      await concurrent(64)();
      const rawRow = raw.prepare('SELECT seq, snapshot FROM instances WHERE id = ?').get(rawSetup.ids[0]) as { seq: number; snapshot: string };
      if (rawRow.seq !== rawSeqs[0] || rawRow.snapshot !== snapshotJson) throw new Error('raw writes did not land');
      const stored = await store.getInstance(ids[1]!);
      const history = await store.history(ids[1]!);
      if (stored?.seq !== seqs[1] || history.length !== seqs[1] || history.at(-1)!.type !== 'RECORD_VOTE') throw new Error('store writes did not land');

      // Input: the JSON bytes each event writes, and its rows (instance update, history, delete and insert tasks).
      const sized = (perOp: number) => ({
        unit: 'events',
        perOp,
        input: Buffer.byteLength(snapshotJson) + Buffer.byteLength(payload),
        inputUnit: `B JSON, ${3 + taskRows.length} statements/event`,
      });
      const results = await measure(this.name, [
        { name: T.rawOne, ...sized(1), fn: () => void rawOne() },
        { name: T.rawBatch, ...sized(BATCH), fn: () => void rawBatch() },
        { name: T.storeOne, ...sized(1), fn: async () => void (sink = await append()) },
        { name: T.store16, ...sized(16), fn: concurrent(16) },
        { name: T.store64, ...sized(64), fn: concurrent(64) },
        { name: T.store100, ...sized(BATCH), fn: concurrent(BATCH) },
      ], { rounds: 3 });
      raw.close();
      await store.close();
      return results;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  summarize(results) {
    const rawOne = find(results, T.rawOne);
    const rawBatch = find(results, T.rawBatch);
    const one = find(results, T.storeOne);
    const g16 = find(results, T.store16);
    const g64 = find(results, T.store64);
    const g100 = find(results, T.store100);
    const pct = (a: Result, b: Result) => `${((100 * a.itemsPerSec) / b.itemsPerSec).toFixed(0)}%`;
    const n = (a: Result) => Math.round(a.itemsPerSec).toLocaleString('en-US');
    return [
      `one at a time: store ${n(one)} events/s = ${pct(one, rawOne)} of raw one-transaction-per-event ${n(rawOne)}/s ` +
        `(${one.itemsPerSec >= 0.8 * rawOne.itemsPerSec ? 'meets 80%' : `below 80% by ${(80 - (100 * one.itemsPerSec) / rawOne.itemsPerSec).toFixed(0)} points`})`,
      `group commit: ${n(g16)} events/s with 16 in flight, ${n(g64)} with 64 ` +
        `(${g64.itemsPerSec >= 10_000 ? 'meets 10,000' : `below 10,000 by ${(10_000 - g64.itemsPerSec).toFixed(0)}`}); ` +
        `${(g64.itemsPerSec / one.itemsPerSec).toFixed(1)}x one at a time`,
      `group commit vs raw batching at the same size: ${n(g100)} events/s with ${BATCH} in flight = ${pct(g100, rawBatch)} of raw ${BATCH} per transaction ${n(rawBatch)}/s`,
      `per event: raw ${rawOne.usPerItem.toFixed(0)} µs alone / ${rawBatch.usPerItem.toFixed(1)} µs batched; store ${one.usPerItem.toFixed(0)} µs alone / ${g64.usPerItem.toFixed(1)} µs in a group of 64`,
    ];
  },
};
export default bench;
