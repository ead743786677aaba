// The SQLite store's read queries, rewritten to follow their indexes (inbox: one index range per
// scope; instance lists: newest first from an index; state entries: a primary-key probe instead of
// LAG), give the rows the plain queries give, on seeded random data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../server/store/sqlite/index.ts';

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

describe('instanceStats', () => {
  it.each(TOWNSHIPS)('township %s: the state entries LAG() finds, in order', async (townshipId) => {
    const want = store.db
      .prepare(
        `SELECT x.instance_id, x.seq, x.state, x.at FROM (
           SELECT h.instance_id, h.seq, h.state, h.at, LAG(h.state) OVER (PARTITION BY h.instance_id ORDER BY h.seq) AS prev_state
           FROM history h JOIN instances i ON i.id = h.instance_id WHERE i.township_id = ?
         ) x WHERE x.prev_state IS NULL OR x.prev_state <> x.state ORDER BY x.instance_id, x.seq`,
      )
      .all(townshipId) as { instance_id: string; seq: number; state: string; at: string }[];
    const { entries } = await store.instanceStats(townshipId);
    expect(entries).toEqual(want.map((r) => ({ instanceId: r.instance_id, seq: r.seq, state: r.state, at: r.at })));
    // Records that stayed in their state are not entries.
    expect(entries.length).toBeLessThan((store.db.prepare('SELECT count(*) AS n FROM history h JOIN instances i ON i.id = h.instance_id WHERE i.township_id = ?').get(townshipId) as { n: number }).n);
  });
});
