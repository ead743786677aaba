// Group commit in the SQLite store: event writes that arrive together share one transaction, each
// in its own savepoint. A write that fails is rolled back alone and rejects alone; the others
// commit; every promise settles only after the COMMIT returned.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apply, compileFlow, openSteps, start, type CompiledFlow, type FlowEvent, type StepResult } from '../../engine/index.ts';
import { publishBundled } from '../../server/matters/flows.ts';
import { SqliteStore } from '../../server/store/sqlite/index.ts';
import { ConflictError, NotFoundError, type EventWrite } from '../../server/store/types.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const FIVE = 'five-deliberations-two-disclosures';
const FLOW_JSON = readFileSync(join(ROOT, 'flows', `${FIVE}.flow.json`), 'utf8');
const GOLDEN = JSON.parse(readFileSync(join(ROOT, 'flows', 'runs', `${FIVE}.happy-path.run.json`), 'utf8')) as { events: FlowEvent[] };
const [START, SUBMIT] = GOLDEN.events as [FlowEvent, FlowEvent];

let dir: string;
let dbPath: string;
let store: SqliteStore;
let compiled: CompiledFlow;
let flowVersionId: number;
/** Outer (top-level) transactions run on the store's connection; nested ones are savepoints. */
let transactions: number;

function write(step: StepResult) {
  return { record: step.record, snapshot: step.snapshot, effects: step.effects, tasks: openSteps(compiled, step.snapshot) };
}

/** Starts `n` instances (at the proposal step, seq 1), returning their ids and first steps. */
async function startInstances(n: number): Promise<{ id: string; first: StepResult }[]> {
  const made = Array.from({ length: n }, (_, k) => ({ id: `gc-${k}`, first: start(compiled, START) }));
  await Promise.all(
    made.map(({ id, first }) =>
      store.createInstance(
        { id, villageId: 'v1', townshipId: 't1', flowVersionId, flowId: FIVE, title: `instance ${id}`, snapshot: first.snapshot, startedBy: 'u1', createdAt: first.record.at },
        write(first),
      ),
    ),
  );
  return made;
}

/** The SUBMIT of the golden run applied to an instance at seq 1. */
function submitOf(id: string, first: StepResult): EventWrite {
  return { instanceId: id, expectedSeq: 1, ...write(apply(compiled, first.snapshot, SUBMIT)) };
}

/** The rows an instance owns, read through a second connection: only what is committed. */
function committed(id: string) {
  const db = new Database(dbPath, { readonly: true });
  try {
    return {
      instance: db.prepare('SELECT seq, state, head, snapshot FROM instances WHERE id = ?').get(id) as { seq: number; state: string; head: string; snapshot: string } | undefined,
      history: db.prepare('SELECT seq, type FROM history WHERE instance_id = ? ORDER BY seq').all(id),
      tasks: db.prepare('SELECT state, role FROM tasks WHERE instance_id = ? ORDER BY role').all(id),
    };
  } finally {
    db.close();
  }
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'villageflow-group-commit-'));
  dbPath = join(dir, 'store.db');
  store = new SqliteStore(dbPath);
  await store.migrate();
  await store.createTownship({ id: 't1', name: '青山镇' });
  await store.createVillage({ id: 'v1', townshipId: 't1', name: '东坪村', kind: 'village' });
  flowVersionId = (await publishBundled(store, 't1', FLOW_JSON, 'u1', '2026-03-01T00:00:00.000Z', ['v1'])).id;
  compiled = compileFlow(JSON.parse(FLOW_JSON));
  transactions = 0;
  const db = store.db;
  const real = db.transaction.bind(db);
  db.transaction = ((fn: (...args: unknown[]) => unknown) => {
    const tx = real(fn);
    return (...args: unknown[]) => {
      if (!db.inTransaction) transactions++;
      return tx(...args);
    };
  }) as typeof db.transaction;
});

afterEach(async () => {
  await store.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('group commit', () => {
  it('concurrent writes share one transaction, and each resolves only once a second connection sees it', async () => {
    const made = await startInstances(8);
    expect(transactions).toBe(1);
    for (const { id } of made) expect(committed(id).instance).toMatchObject({ seq: 1, state: 'proposal' });

    transactions = 0;
    const seenOnResolve: number[] = [];
    await Promise.all(made.map(({ id, first }) => store.appendEvent(submitOf(id, first)).then(() => void seenOnResolve.push(committed(id).instance!.seq))));
    expect(transactions).toBe(1);
    expect(seenOnResolve).toEqual(made.map(() => 2));
    for (const { id } of made) {
      const rows = committed(id);
      expect(rows.instance).toMatchObject({ seq: 2, state: 'two_committees' });
      expect(rows.history).toEqual([
        { seq: 1, type: 'START' },
        { seq: 2, type: 'SUBMIT' },
      ]);
      expect(rows.tasks).toEqual([{ state: 'two_committees', role: 'clerk' }]);
    }
  });

  it('a batch with one stale sequence number: that write is CONFLICT and unchanged, the others commit', async () => {
    const made = await startInstances(6);
    const stale = made[3]!;
    const before = committed(stale.id);
    const results = await Promise.allSettled(made.map(({ id, first }) => store.appendEvent({ ...submitOf(id, first), expectedSeq: id === stale.id ? 7 : 1 })));
    const rejected = results.flatMap((r, i) => (r.status === 'rejected' ? [{ i, reason: r.reason as unknown }] : []));
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.i).toBe(3);
    expect(rejected[0]!.reason).toBeInstanceOf(ConflictError);
    expect(committed(stale.id)).toEqual(before);
    for (const { id } of made.filter((m) => m !== stale)) expect(committed(id).instance!.seq).toBe(2);
  });

  it('two writes racing on one instance in the same batch: the first commits, the second is CONFLICT', async () => {
    const [only] = await startInstances(1);
    transactions = 0;
    const submit = submitOf(only!.id, only!.first);
    const results = await Promise.allSettled([store.appendEvent(submit), store.appendEvent({ ...submit })]);
    expect(transactions).toBe(1);
    expect(results[0]!.status).toBe('fulfilled');
    expect(results[1]!.status).toBe('rejected');
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect(committed(only!.id).history).toHaveLength(2);
  });

  it('a write that fails half-way is rolled back whole, and an error thrown in the batch loses no other write', async () => {
    const made = await startInstances(5);
    const broken = made[1]!;
    const missing = 'gc-missing';
    const before = committed(broken.id);
    // Correct expected seq, so its instance row is updated first; then its history insert hits the
    // existing record 1 (primary key) and the write fails after having changed a row.
    const halfWay = submitOf(broken.id, broken.first);
    const duplicate = { ...halfWay, record: { ...halfWay.record, seq: 1 } };
    const results = await Promise.allSettled([
      ...made.map(({ id, first }) => store.appendEvent(id === broken.id ? duplicate : submitOf(id, first))),
      store.appendEvent({ ...submitOf(made[0]!.id, made[0]!.first), instanceId: missing }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE constraint failed: history/);
    expect((results[5] as PromiseRejectedResult).reason).toBeInstanceOf(NotFoundError);
    expect(committed(broken.id)).toEqual(before);
    expect(committed(missing).instance).toBeUndefined();
    for (const { id } of made.filter((m) => m !== broken)) expect(committed(id).instance!.seq).toBe(2);
  });

  it('a lone write is one transaction, committed when it resolves; a lone stale one is CONFLICT', async () => {
    const [only] = await startInstances(1);
    transactions = 0;
    await store.appendEvent(submitOf(only!.id, only!.first));
    expect(transactions).toBe(1);
    expect(committed(only!.id).instance!.seq).toBe(2);
    await expect(store.appendEvent(submitOf(only!.id, only!.first))).rejects.toBeInstanceOf(ConflictError);
    expect(committed(only!.id).history).toHaveLength(2);
  });

  it('close() commits writes still queued', async () => {
    const [only] = await startInstances(1);
    const pending = store.appendEvent(submitOf(only!.id, only!.first));
    await store.close();
    await pending;
    expect(committed(only!.id).instance).toMatchObject({ seq: 2, state: 'two_committees' });
  });
});
