// The overview's store rows (overviewStats) as the history-based queries (instanceStats,
// serviceStats) and the overview's reference arithmetic give them: what the tables the store keeps
// while writing events, or migration 4 fills, must hold; and the whole overview computed from the
// history's state entries (computeOverview), which the server's one-pass version must equal.
// Shared by the SQLite and PostgreSQL tests.
import { nearestRank, rate, type MatterFigures, type Overview, type StepStats } from '../../server/stats.ts';
import type { InstanceStatsRow, StateEntryRow, Store, Village } from '../../server/store/types.ts';
import type { Text } from '../../engine/index.ts';

type Stats = Awaited<ReturnType<Store['overviewStats']>>;

/** overviewStats as the history-based queries and the overview's reference arithmetic give it. */
export async function fromHistory(s: Store, townshipId: string): Promise<Stats> {
  const { instances, entries } = await s.instanceStats(townshipId);
  const service = new Map((await s.serviceStats(townshipId, [...new Set(instances.map((i) => i.flowId))])).map((r) => [r.id, r]));
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
    instances: instances.map((i) => ({ ...service.get(i.id)!, flowVersionId: i.flowVersionId, overdue: i.overdue, ms: times.get(i.id) ?? null })),
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
