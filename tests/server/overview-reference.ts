// The overview's store rows (overviewStats) as the history itself and the overview's reference
// arithmetic give them: what the tables the store keeps while writing events, or migration 4
// fills, must hold; and the whole overview computed from the history's state entries
// (computeOverview), which the server's one-pass version must equal. Read through the store's own
// reads (instances, their histories) plus the catalogue links, with the figures' rules of
// server/store/overview.ts, so no query of the test lives in the store. Shared by the SQLite and
// PostgreSQL tests.
import { nearestRank, rate, type MatterFigures, type Overview, type StepStats } from '../../server/matters/stats.ts';
import { deadlineFired, ratingScore } from '../../server/store/overview.ts';
import type { Store, Village } from '../../server/store/types.ts';
import type { Text } from '../../engine/index.ts';

type Stats = Awaited<ReturnType<Store['overviewStats']>>;

/** One instance of a township as the overview counts it: overdue when one of its open tasks is. */
export interface InstanceStatsRow {
  id: string;
  villageId: string;
  flowId: string;
  flowVersionId: number;
  status: 'active' | 'done';
  overdue: boolean;
}
/** A history record that entered a state (the first record, or one whose state differs from the
 * record before it); the next entry of the same instance is when that state was left. */
export interface StateEntryRow {
  instanceId: string;
  seq: number;
  state: string;
  at: string;
}

/** The raw SQL handle the tests hold on either store (better-sqlite3, or tests/server/sync-sql.ts). */
export interface RawSql {
  prepare(sql: string): { all(...params: unknown[]): unknown[] };
}

/**
 * A township's instances and state entries, read from the instances and their histories (not from
 * what the store keeps for the overview), with whether each is late (a fired deadline) and its
 * rating score.
 */
export async function historyStats(s: Store, townshipId: string) {
  const all = (await s.listInstances({ townshipId, limit: 1_000_000 })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const overdue = new Set((await s.listInstances({ townshipId, overdue: true, limit: 1_000_000 })).map((i) => i.id));
  const instances: InstanceStatsRow[] = [];
  const entries: StateEntryRow[] = [];
  const late = new Set<string>();
  const score = new Map<string, number | null>();
  for (const i of all) {
    instances.push({ id: i.id, villageId: i.villageId, flowId: i.flowId, flowVersionId: i.flowVersionId, status: i.status, overdue: overdue.has(i.id) });
    score.set(i.id, ratingScore(i.snapshot));
    let previous: string | null = null;
    for (const r of await s.history(i.id)) {
      if (r.state !== previous) entries.push({ instanceId: i.id, seq: r.seq, state: r.state, at: r.at });
      previous = r.state;
      if (deadlineFired(r)) late.add(i.id);
    }
  }
  return { instances, entries, late, score };
}

/** overviewStats as the history and the overview's reference arithmetic give it. */
export async function fromHistory(s: Store & { db: RawSql }, townshipId: string): Promise<Stats> {
  const { instances, entries, late, score } = await historyStats(s, townshipId);
  const starts = new Map(
    (s.db.prepare('SELECT instance_id, item_id, item_code, item_name FROM catalogue_starts WHERE township_id = ?').all(townshipId) as Record<string, string>[]).map((r) => [r.instance_id, r]),
  );
  const times = caseTimes(instances, entries);
  const byInstance = new Map<string, typeof entries>();
  for (const e of entries) byInstance.set(e.instanceId, [...(byInstance.get(e.instanceId) ?? []), e]);
  const groups = new Map<string, Stats['visits'][number]>();
  for (const i of instances) {
    for (const v of visits(byInstance.get(i.id) ?? [])) {
      const key = `${i.flowId}\u0000${v.state}\u0000${i.villageId}`;
      const g = groups.get(key) ?? { flowId: i.flowId, state: v.state, villageId: i.villageId, totalMs: 0, durations: [] };
      g.totalMs += v.ms;
      g.durations.push(v.ms);
      groups.set(key, g);
    }
  }
  const byKey = (x: Stats['visits'][number]) => [x.flowId, x.state, x.villageId].join('\u0000');
  return {
    instances: instances.map((i) => {
      const c = starts.get(i.id);
      return {
        id: i.id, villageId: i.villageId, flowId: i.flowId, status: i.status,
        itemId: c?.item_id ?? null, itemCode: c?.item_code ?? null, itemName: c?.item_name ?? null,
        score: score.get(i.id) ?? null, late: late.has(i.id),
        flowVersionId: i.flowVersionId, overdue: i.overdue, ms: times.get(i.id) ?? null,
      };
    }),
    visits: [...groups.values()].map((g) => ({ ...g, durations: g.durations.sort((a, b) => a - b) })).sort((x, y) => (byKey(x) < byKey(y) ? -1 : 1)),
  };
}

// ----------------------------------------------------------------------------------------------
// The overview's arithmetic on the history's state entries: the definition the server's figures
// are held to (a visit runs from the record that entered a step to the record that left it).
// ----------------------------------------------------------------------------------------------

type Titles = (flowId: string, state: string) => { title: Text; flowTitle: Text };
const percentile = (values: readonly number[], p: number): number | null => (values.length === 0 ? null : nearestRank([...values].sort((a, b) => a - b), p));
const average = (values: readonly number[]) => (values.length === 0 ? null : Math.round(values.reduce((a, b) => a + b, 0) / values.length));

interface Acc {
  flowId: string;
  state: string;
  durations: number[];
}

/** One matter as the figures count it: finished or not, late or not, and (finished) how long it took. */
export interface MatterRow {
  status: 'active' | 'done';
  late: boolean;
  /** START to the final record; null while running. */
  ms: number | null;
}

export function matterFigures(rows: readonly MatterRow[]): MatterFigures {
  const done = rows.filter((r) => r.status === 'done');
  const onTime = done.filter((r) => !r.late).length;
  const times = done.map((r) => r.ms).filter((ms): ms is number => ms !== null);
  return {
    started: rows.length,
    done: done.length,
    completion: rate(done.length, rows.length),
    onTime,
    onTimeRate: rate(onTime, done.length),
    averageMs: average(times),
    p90Ms: percentile(times, 0.9),
  };
}

/** How long each finished instance took, START to final record, from its state entries (seq order). */
export function caseTimes(instances: readonly { id: string; status: 'active' | 'done' }[], entries: readonly StateEntryRow[]): Map<string, number> {
  const span = new Map<string, { first: StateEntryRow; last: StateEntryRow }>();
  for (const e of entries) {
    const s = span.get(e.instanceId);
    if (!s) span.set(e.instanceId, { first: e, last: e });
    else {
      if (e.seq < s.first.seq) s.first = e;
      if (e.seq > s.last.seq) s.last = e;
    }
  }
  const out = new Map<string, number>();
  for (const i of instances) {
    const s = span.get(i.id);
    if (i.status === 'done' && s) out.set(i.id, Date.parse(s.last.at) - Date.parse(s.first.at));
  }
  return out;
}

/** Finished visits of one instance's state entries (in seq order): [state, duration ms]. */
export function visits(entries: StateEntryRow[]): { state: string; ms: number }[] {
  const out: { state: string; ms: number }[] = [];
  for (let i = 0; i + 1 < entries.length; i++) {
    const cur = entries[i]!;
    out.push({ state: cur.state, ms: Date.parse(entries[i + 1]!.at) - Date.parse(cur.at) });
  }
  return out;
}

function addVisit(map: Map<string, Acc>, flowId: string, state: string, ms: number) {
  const key = `${flowId}\u0000${state}`;
  let a = map.get(key);
  if (!a) map.set(key, (a = { flowId, state, durations: [] }));
  a.durations.push(ms);
}

function steps(map: Map<string, Acc>, titles: Titles): StepStats[] {
  return [...map.values()]
    .map((a) => {
      const totalMs = a.durations.reduce((x, y) => x + y, 0);
      const visits = a.durations.length;
      return { flowId: a.flowId, state: a.state, ...titles(a.flowId, a.state), visits, totalMs, averageMs: Math.round(totalMs / visits), p90Ms: percentile(a.durations, 0.9)! };
    })
    .sort((x, y) => y.averageMs - x.averageMs || x.flowId.localeCompare(y.flowId) || x.state.localeCompare(y.state));
}

/**
 * The pure computation: instances and their state entries (any order) → the overview. `late` holds
 * the instances a deadline passed in (for the on-time rate).
 */
export function computeOverview(villages: Village[], instances: InstanceStatsRow[], entries: StateEntryRow[], titles: Titles, late: ReadonlySet<string> = new Set()): Overview {
  const byInstance = new Map<string, StateEntryRow[]>();
  for (const e of entries) {
    let list = byInstance.get(e.instanceId);
    if (!list) byInstance.set(e.instanceId, (list = []));
    list.push(e);
  }
  const wanted = new Set(villages.map((v) => v.id));
  const perVillage = new Map(villages.map((v) => [v.id, { counts: { running: 0, done: 0, overdue: 0 }, steps: new Map<string, Acc>() }]));
  const total = { counts: { running: 0, done: 0, overdue: 0 }, steps: new Map<string, Acc>() };
  for (const i of instances) {
    if (!wanted.has(i.villageId)) continue;
    const v = perVillage.get(i.villageId)!;
    for (const c of [v.counts, total.counts]) {
      if (i.status === 'done') c.done++;
      else c.running++;
      if (i.status === 'active' && i.overdue) c.overdue++;
    }
    const list = (byInstance.get(i.id) ?? []).sort((a, b) => a.seq - b.seq);
    for (const visit of visits(list)) {
      addVisit(v.steps, i.flowId, visit.state, visit.ms);
      addVisit(total.steps, i.flowId, visit.state, visit.ms);
    }
  }
  const times = caseTimes(instances, entries);
  const mine = instances.filter((i) => wanted.has(i.villageId));
  const matter = (i: InstanceStatsRow): MatterRow => ({ status: i.status, late: late.has(i.id), ms: times.get(i.id) ?? null });
  return {
    villages: villages.map((v) => {
      const s = perVillage.get(v.id)!;
      return { id: v.id, name: v.name, kind: v.kind, ...s.counts, figures: matterFigures(mine.filter((i) => i.villageId === v.id).map(matter)), steps: steps(s.steps, titles) };
    }),
    township: { ...total.counts, figures: matterFigures(mine.map(matter)), steps: steps(total.steps, titles) },
  };
}
