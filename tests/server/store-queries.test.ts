// The SQLite store's read queries, rewritten to follow their indexes (inbox: one index range per
// scope; instance lists: newest first from an index; state entries: a primary-key probe instead of
// LAG), give the rows the plain queries give, on seeded random data; and the overview's tables
// hold what the history implies, kept by the write path or filled by migration 4.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../server/store/sqlite/index.ts';
import { migrationsFor } from '../../server/store/migrations.ts';
import { SQLITE_OVERVIEW_BACKFILL } from '../../server/store/overview.ts';
import { fromHistory, historyStats } from './overview-reference.ts';

let store: SqliteStore;

// A small deterministic generator: the same data every run.
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

const TOWNSHIPS = ['ta', 'tb'];
const VILLAGES = ['ta-1', 'ta-2', 'ta-3', 'tb-1', 'tb-2'];
const townshipOf = (v: string) => v.slice(0, 2);
const ROLES = ['party_secretary', 'party_member', 'clerk', 'township_reviewer'];
const STATES = ['draft', 'review', 'vote', 'done'];
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1) + minute * 60_000).toISOString();

beforeAll(async () => {
  store = new SqliteStore(':memory:');
  await store.migrate();
  // Rows written directly: these tests are about reading them back, not about flows.
  store.db.pragma('foreign_keys = OFF');
  const instance = store.db.prepare(
    `INSERT INTO instances (id, village_id, township_id, flow_version_id, flow_id, title, state, status, outcome, seq, head, snapshot, started_by, created_at, updated_at)
     VALUES (?, ?, ?, 1, ?, 't', ?, ?, NULL, ?, 'h', '{}', 'u', ?, ?)`,
  );
  const task = store.db.prepare('INSERT INTO tasks (instance_id, role, village_id, township_id, flow_id, title, state, since, due, overdue) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)');
  const history = store.db.prepare("INSERT INTO history (instance_id, seq, type, actor_id, role, at, payload, state, prev, hash) VALUES (?, ?, 'E', 'u', 'r', ?, '{}', ?, NULL, 'h')");
  store.db.transaction(() => {
    for (let n = 0; n < 400; n++) {
      const id = `i${String(n).padStart(4, '0')}`;
      const village = pick(VILLAGES);
      const records = 1 + Math.floor(rand() * 8);
      let state = pick(STATES);
      for (let seq = 1; seq <= records; seq++) {
        if (rand() < 0.4) state = pick(STATES); // some records stay in their state
        history.run(id, seq, at(n * 10 + seq), state);
      }
      const status = state === 'done' ? 'done' : 'active';
      // Few distinct times, so ties on updated_at and since are broken by the id.
      instance.run(id, village, townshipOf(village), pick(['f1', 'f2']), state, status, records, at(0), at(Math.floor(rand() * 50)));
      if (status === 'active') {
        for (const role of ROLES) if (rand() < 0.5) task.run(id, role, village, townshipOf(village), 'f1', 't', state, at(Math.floor(rand() * 30)), rand() < 0.3 ? 1 : 0);
      }
    }
  })();
});
afterAll(() => store.close());

const reference = {
  inbox: (scopes: { townshipId: string; villageId: string | null; role: string }[], limit: number) => {
    const clauses = scopes.map((s) => (s.villageId ? '(t.village_id = ? AND t.role = ?)' : '(t.township_id = ? AND t.role = ?)'));
    return store.db
      .prepare(`SELECT t.* FROM tasks t WHERE ${clauses.join(' OR ')} ORDER BY t.overdue DESC, t.since ASC, t.instance_id, t.role LIMIT ?`)
      .all(...scopes.flatMap((s) => [s.villageId ?? s.townshipId, s.role]), limit) as { instance_id: string; role: string }[];
  },
  list: (townshipId: string, villageIds: string[], status: string | null, limit: number, offset: number) =>
    (store.db
      .prepare(`SELECT id FROM instances WHERE township_id = ? AND village_id IN (${villageIds.map(() => '?').join(', ') || 'NULL'}) AND (? IS NULL OR status = ?) ORDER BY updated_at DESC, id LIMIT ? OFFSET ?`)
      .all(townshipId, ...villageIds, status, status, limit, offset) as { id: string }[]).map((r) => r.id),
};

describe('inbox', () => {
  const cases: [string, { townshipId: string; villageId: string | null; role: string }[]][] = [
    ['one village role', [{ townshipId: 'ta', villageId: 'ta-1', role: 'clerk' }]],
    ['two roles in a village', [{ townshipId: 'ta', villageId: 'ta-2', role: 'party_secretary' }, { townshipId: 'ta', villageId: 'ta-2', role: 'party_member' }]],
    ['a township role', [{ townshipId: 'tb', villageId: null, role: 'township_reviewer' }]],
    // The same role held in a village and township-wide: each task once.
    ['overlapping scopes', [{ townshipId: 'ta', villageId: 'ta-1', role: 'party_member' }, { townshipId: 'ta', villageId: null, role: 'party_member' }, { townshipId: 'ta', villageId: 'ta-3', role: 'clerk' }]],
  ];
  it.each(cases)('%s: the same tasks in the same order as the OR of the scopes', async (_name, scopes) => {
    for (const limit of [1, 3, 10, 200]) {
      const got = await store.inbox(scopes, limit);
      const want = reference.inbox(scopes, limit);
      expect(want.length).toBeGreaterThan(0);
      expect(got.map((t) => `${t.instanceId}/${t.role}`)).toEqual(want.map((t) => `${t.instance_id}/${t.role}`));
    }
  });
});

describe('listInstances', () => {
  it.each([
    ['one village', 'ta', ['ta-2']],
    ['three villages', 'ta', ['ta-1', 'ta-2', 'ta-3']],
    ['two of three', 'ta', ['ta-3', 'ta-1']],
    ['a village of another township', 'ta', ['tb-1']],
    ['none', 'tb', []],
  ])('%s: newest first, paged, filtered', async (_name, townshipId, villageIds) => {
    for (const [status, limit, offset] of [[null, 100, 0], [null, 7, 5], ['active', 10, 0], ['done', 3, 2]] as const) {
      const got = await store.listInstances({ townshipId, villageIds, limit, offset, ...(status ? { status } : {}) });
      expect(got.map((i) => i.id)).toEqual(reference.list(townshipId, villageIds, status, limit, offset));
    }
    if (villageIds.length && townshipOf(villageIds[0]!) === townshipId) expect((await store.listInstances({ townshipId, villageIds })).length).toBeGreaterThan(0);
  });
});

describe('the reference state entries (tests/server/overview-reference.ts)', () => {
  it.each(TOWNSHIPS)('township %s: the state entries LAG() finds, in order', async (townshipId) => {
    const want = store.db
      .prepare(
        `SELECT x.instance_id, x.seq, x.state, x.at FROM (
           SELECT h.instance_id, h.seq, h.state, h.at, LAG(h.state) OVER (PARTITION BY h.instance_id ORDER BY h.seq) AS prev_state
           FROM history h JOIN instances i ON i.id = h.instance_id WHERE i.township_id = ?
         ) x WHERE x.prev_state IS NULL OR x.prev_state <> x.state ORDER BY x.instance_id, x.seq`,
      )
      .all(townshipId) as { instance_id: string; seq: number; state: string; at: string }[];
    const { entries } = await historyStats(store, townshipId);
    expect(entries).toEqual(want.map((r) => ({ instanceId: r.instance_id, seq: r.seq, state: r.state, at: r.at })));
    // Records that stayed in their state are not entries.
    expect(entries.length).toBeLessThan((store.db.prepare('SELECT count(*) AS n FROM history h JOIN instances i ON i.id = h.instance_id WHERE i.township_id = ?').get(townshipId) as { n: number }).n);
  });
});

// ----------------------------------------------------------------------------------------------
// What the overview reads (instance_stats, state_visits): kept by the store as it writes events,
// and filled by migration 4 from the history already written. Both must be what the history and
// the instance rows imply: the figures tests/server/overview-reference.ts reads from the history.
// ----------------------------------------------------------------------------------------------
const tables = (s: SqliteStore) => ({
  instances: s.db.prepare('SELECT * FROM instance_stats ORDER BY township_id, instance_id').all(),
  visits: s.db.prepare('SELECT * FROM state_visits ORDER BY township_id, flow_id, state, village_id, ms, instance_id, left_seq').all(),
});

describe('overview tables', () => {
  it('are kept as events are written: what migration 4 derives from the history, and what the history queries give', async () => {
    const s = new SqliteStore(':memory:');
    await s.migrate();
    s.db.pragma('foreign_keys = OFF'); // no flow versions or villages: records made up here
    // Instances with a ":DEADLINE" timer or a boolean score: migration 4's SQL read these more
    // loosely than the one rule the stores keep (server/store/overview.ts).
    const loose = new Set<string>();
    let n = 0;
    for (const village of VILLAGES) {
      for (let k = 0; k < 30; k++) {
        const id = `w${String(n++).padStart(4, '0')}`;
        let state = pick(STATES);
        let minute = n * 100;
        const snapshot = (seq: number, status: string, data: unknown) => ({ flow: { id: 'f', version: '1', hash: 'h' }, state, status, outcome: null, context: { data }, seq, hash: 'h', at: at(minute) }) as never;
        const record = (seq: number, type: string, payload: unknown) => ({ seq, type, actor: { id: 'u', role: 'r' }, at: at(minute), payload, state, prev: null, hash: 'h' }) as never;
        const flowId = pick(['f1', 'f2', 'proxy-service']);
        await s.createInstance(
          { id, villageId: village, townshipId: townshipOf(village), flowVersionId: 1, flowId, title: 't', snapshot: snapshot(1, 'active', {}), startedBy: 'u', createdAt: at(minute) },
          { record: record(1, 'START', {}), snapshot: snapshot(1, 'active', {}), effects: [], tasks: [] },
        );
        const records = Math.floor(rand() * 12);
        let data: unknown = {};
        for (let seq = 2; seq <= records + 1; seq++) {
          minute += Math.floor(rand() * 500);
          if (rand() < 0.6) state = pick(STATES); // some records stay in their state
          const done = state === 'done' && seq === records + 1;
          const timer = rand() < 0.15 ? pick(['review:deadline', 'review:reminder', 'draft:DEADLINE', 'x:deadline-ish']) : null;
          if (rand() < 0.2) data = { rating: { score: pick([5, 4, 3, 4.5, true, '5', null]) } };
          if (timer === 'draft:DEADLINE' || typeof (data as { rating?: { score?: unknown } }).rating?.score === 'boolean') loose.add(id);
          await s.appendEvent({
            instanceId: id,
            expectedSeq: seq - 1,
            record: record(seq, timer ? 'TIMER' : 'E', timer ? { timer } : {}),
            snapshot: snapshot(seq, done ? 'done' : 'active', data),
            effects: [],
            tasks: done ? [] : [{ state, roles: ['clerk'], since: at(minute), due: null, overdue: rand() < 0.3 }],
            ...(rand() < 0.05 ? { flowVersionId: 2 } : {}),
          } as never);
        }
      }
    }
    for (const townshipId of TOWNSHIPS) {
      const got = await s.overviewStats(townshipId);
      expect(got.instances.some((i) => i.late) && got.instances.some((i) => i.score !== null) && got.instances.some((i) => i.ms !== null)).toBe(true);
      expect(got).toEqual(await fromHistory(s, townshipId));
    }
    // Derived again from the history as migration 4 does: the same rows, but for the instances it
    // reads loosely, which differ only in late and score.
    const kept = tables(s);
    s.db.exec('DELETE FROM instance_stats; DELETE FROM state_visits;');
    s.db.exec(SQLITE_OVERVIEW_BACKFILL);
    const strict = (t: ReturnType<typeof tables>) => ({
      ...t,
      instances: (t.instances as Record<string, unknown>[]).map((r) => (loose.has(r.instance_id as string) ? { ...r, late: 'loose', score: 'loose' } : r)),
    });
    expect(loose.size).toBeGreaterThan(0);
    expect(strict(tables(s))).toEqual(strict(kept));
    expect(kept.visits.length).toBeGreaterThan(100);
    await s.close();
  });

  it('are filled by migration 4 from the history written before it', async () => {
    // The rows of this file's fixture (written directly, with tasks and catalogue starts), in a
    // database at schema version 3, then migrated.
    const s = new SqliteStore(':memory:');
    s.db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    for (const m of migrationsFor('sqlite').filter((m) => m.version < 4)) {
      s.db.exec(m.sql);
      s.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, at(0));
    }
    s.db.pragma('foreign_keys = OFF');
    const copy = (table: string) => {
      const list = store.db.prepare(`SELECT * FROM ${table}`).all() as Record<string, unknown>[];
      if (list.length === 0) return;
      // The columns the table had at schema 3 (later migrations add some, e.g. history.calendars).
      const had = new Set((s.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
      const columns = Object.keys(list[0]!).filter((c) => had.has(c));
      const insert = s.db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
      for (const r of list) insert.run(...columns.map((c) => r[c]));
    };
    s.db.transaction(() => ['instances', 'history', 'tasks'].forEach(copy))();
    // A few of them started from the catalogue, one rated, and one late.
    const ids = (s.db.prepare("SELECT id FROM instances WHERE township_id = 'ta' ORDER BY id LIMIT 3").all() as { id: string }[]).map((r) => r.id);
    ids.forEach((id, k) => s.db.prepare('INSERT INTO catalogue_starts (instance_id, township_id, item_id, item_code, item_name) VALUES (?, ?, ?, ?, ?)').run(id, 'ta', `item${k % 2}`, `C${k % 2}`, '事项'));
    s.db.prepare("UPDATE instances SET snapshot = '{\"context\":{\"data\":{\"rating\":{\"score\":5}}}}' WHERE id = ?").run(ids[0]);
    s.db.prepare("INSERT INTO history (instance_id, seq, type, actor_id, role, at, payload, state, prev, hash) SELECT id, seq + 1, 'TIMER', 'system', 'system', ?, '{\"timer\":\"review:deadline\"}', state, NULL, 'h' FROM instances WHERE id = ?").run(at(99_999), ids[1]);
    s.db.prepare('UPDATE instances SET seq = seq + 1 WHERE id = ?').run(ids[1]);
    expect(await s.migrate()).toBe(migrationsFor('sqlite').length - 3);
    for (const townshipId of TOWNSHIPS) {
      const got = await s.overviewStats(townshipId);
      expect(got.instances.length).toBe((s.db.prepare('SELECT count(*) AS n FROM instances WHERE township_id = ?').get(townshipId) as { n: number }).n);
      expect(got).toEqual(await fromHistory(s, townshipId));
    }
    const filled = await s.overviewStats('ta');
    expect(filled.instances.filter((i) => i.itemId).length).toBe(3);
    expect(filled.instances.find((i) => i.id === ids[0])!.score).toBe(5);
    expect(filled.instances.find((i) => i.id === ids[1])!.late).toBe(true);
    await s.close();
  });
});
