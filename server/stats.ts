// The township overview: per village, how many matters are running, done and overdue, the
// completion (办结率) and on-time rates and how long a matter takes; per flow step, how long a visit
// to it takes (average and 90th percentile); per item and flow the same; all of it as CSV. A visit runs from the history record that entered
// the step to the record that left it; a step entered again later (returned, reconvened after an
// objection) is a new visit, and a step still open (or a final state) is no finished visit and is
// not counted. Records that stay in the step (ballots, timers that flag it overdue, a meeting
// reconvened for want of a quorum) are part of the one visit. The store hands over only the
// records that changed state; the arithmetic is here, on ISO timestamps.
import Papa from 'papaparse';
import type { CompiledFlow, Text } from '../engine/index.ts';
import type { Runtime } from './runtime.ts';
import { readableVillageIds } from './scope.ts';
import type { InstanceStatsRow, ServiceStatsRow, StateEntryRow, User, Village } from './store/types.ts';

export interface StepStats {
  flowId: string;
  state: string;
  /** The step's title, and its flow's, from the newest flow version any counted instance runs. */
  title: Text;
  flowTitle: Text;
  /** Finished visits. */
  visits: number;
  totalMs: number;
  averageMs: number;
  /** 90th percentile of the visits (nearest rank: 9 in 10 visits took this long or less). */
  p90Ms: number;
}
export interface Counts {
  running: number;
  done: number;
  /** Running instances with an overdue open step (a subset of running). */
  overdue: number;
}
/** 办结率, on-time rate and time taken, over every matter of a scope (all flows). */
export interface MatterFigures {
  started: number;
  done: number;
  /** done / started. */
  completion: number | null;
  /** Finished without a deadline passing (no DEADLINE.EXCEEDED record). */
  onTime: number;
  onTimeRate: number | null;
  /** From START to the final record, over the finished matters. */
  averageMs: number | null;
  p90Ms: number | null;
}
export interface VillageStats extends Counts {
  id: string;
  name: string;
  kind: Village['kind'];
  figures: MatterFigures;
  /** Slowest first. */
  steps: StepStats[];
}
export interface Overview {
  villages: VillageStats[];
  township: Counts & { figures: MatterFigures; steps: StepStats[] };
}

type Titles = (flowId: string, state: string) => { title: Text; flowTitle: Text };

interface Acc {
  flowId: string;
  state: string;
  durations: number[];
}

/**
 * The nearest-rank percentile: the smallest value that at least `p` of the values do not exceed
 * (for p = 0.9 and 10 values, the 9th smallest). Always one of the values; null for none.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

const rate = (n: number, of: number) => (of === 0 ? null : n / of);
const average = (values: readonly number[]) => (values.length === 0 ? null : Math.round(values.reduce((a, b) => a + b, 0) / values.length));

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

// ----------------------------------------------------------------------------------------------
// Service figures (好差评): per village and per catalogue item, over the service matters (every
// proxy-service instance and every instance started from the catalogue).
//  - satisfaction: of the rated matters, the share whose rating-step score is 4 or 5 (of 5);
//  - on time: of the finished matters, the share without a DEADLINE.EXCEEDED record;
//  - completion: of the matters started, the share finished.
// A rate with nothing to count is null, not 0; a village with a rate under 80% is flagged.
// ----------------------------------------------------------------------------------------------
export const SATISFIED_SCORE = 4;
export const RATE_THRESHOLD = 0.8;
/** The flows whose every instance is a service matter, started from the catalogue or not. */
export const RATED_FLOWS = ['proxy-service'];

export interface ServiceRates {
  started: number;
  done: number;
  rated: number;
  satisfied: number;
  onTime: number;
  satisfaction: number | null;
  onTimeRate: number | null;
  completion: number | null;
  /** Time taken by the finished matters, START to the final record. */
  averageMs: number | null;
  p90Ms: number | null;
  /** A rate under the threshold. */
  flagged: boolean;
}
export interface ServiceFigures {
  threshold: number;
  satisfiedScore: number;
  township: ServiceRates;
  villages: (ServiceRates & { id: string; name: string })[];
  /** Items that matters were started from, by code. */
  items: (ServiceRates & { id: string; code: string; name: string })[];
}

export function serviceRates(rows: ServiceStatsRow[], times: ReadonlyMap<string, number> = new Map()): ServiceRates {
  const done = rows.filter((r) => r.status === 'done');
  const rated = rows.filter((r) => r.score !== null);
  const satisfied = rated.filter((r) => r.score! >= SATISFIED_SCORE).length;
  const onTime = done.filter((r) => !r.late).length;
  const spent = done.map((r) => times.get(r.id)).filter((ms): ms is number => ms !== undefined);
  const out = {
    started: rows.length,
    done: done.length,
    rated: rated.length,
    satisfied,
    onTime,
    satisfaction: rate(satisfied, rated.length),
    onTimeRate: rate(onTime, done.length),
    completion: rate(done.length, rows.length),
    averageMs: average(spent),
    p90Ms: percentile(spent, 0.9),
  };
  return { ...out, flagged: [out.satisfaction, out.onTimeRate, out.completion].some((r) => r !== null && r < RATE_THRESHOLD) };
}

export function computeServiceFigures(villages: Village[], rows: ServiceStatsRow[], times: ReadonlyMap<string, number> = new Map()): ServiceFigures {
  const wanted = new Set(villages.map((v) => v.id));
  const mine = rows.filter((r) => wanted.has(r.villageId));
  const items = new Map<string, { code: string; name: string; rows: ServiceStatsRow[] }>();
  for (const r of mine) {
    if (!r.itemId) continue;
    let e = items.get(r.itemId);
    if (!e) items.set(r.itemId, (e = { code: r.itemCode!, name: r.itemName!, rows: [] }));
    e.rows.push(r);
  }
  return {
    threshold: RATE_THRESHOLD,
    satisfiedScore: SATISFIED_SCORE,
    township: serviceRates(mine, times),
    villages: villages.map((v) => ({ id: v.id, name: v.name, ...serviceRates(mine.filter((r) => r.villageId === v.id), times) })),
    items: [...items.entries()].map(([id, e]) => ({ id, code: e.code, name: e.name, ...serviceRates(e.rows, times) })).sort((a, b) => a.code.localeCompare(b.code)),
  };
}

// ----------------------------------------------------------------------------------------------
// Figures per item (事项: a catalogue item matters were started from) and per flow, each for the
// township and for every village: what the documents report (办结率, on time, average and 90th
// percentile time). Every matter counts under its flow; those started from the catalogue also
// under their item.
// ----------------------------------------------------------------------------------------------
export interface Breakdown {
  kind: 'item' | 'flow';
  /** The catalogue item's id, or the flow's. */
  id: string;
  code: string | null;
  name: Text;
  township: MatterFigures;
  villages: (MatterFigures & { id: string; name: string })[];
}

export function computeBreakdown(villages: Village[], rows: ServiceStatsRow[], times: ReadonlyMap<string, number>, flowTitle: (flowId: string) => Text): Breakdown[] {
  const wanted = new Set(villages.map((v) => v.id));
  const groups = new Map<string, { kind: 'item' | 'flow'; id: string; code: string | null; name: Text; rows: ServiceStatsRow[] }>();
  const add = (key: string, group: () => { kind: 'item' | 'flow'; id: string; code: string | null; name: Text }, r: ServiceStatsRow) => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ...group(), rows: [] }));
    g.rows.push(r);
  };
  for (const r of rows) {
    if (!wanted.has(r.villageId)) continue;
    if (r.itemId) add(`item:${r.itemId}`, () => ({ kind: 'item', id: r.itemId!, code: r.itemCode, name: { zh: r.itemName ?? r.itemId! } }), r);
    add(`flow:${r.flowId}`, () => ({ kind: 'flow', id: r.flowId, code: null, name: flowTitle(r.flowId) }), r);
  }
  const matter = (r: ServiceStatsRow): MatterRow => ({ status: r.status, late: r.late, ms: times.get(r.id) ?? null });
  return [...groups.values()]
    .sort((a, b) => (a.kind === b.kind ? (a.code ?? a.id).localeCompare(b.code ?? b.id) : a.kind === 'item' ? -1 : 1))
    .map(({ rows: rs, ...g }) => ({
      ...g,
      township: matterFigures(rs.map(matter)),
      villages: villages.map((v) => ({ id: v.id, name: v.name, ...matterFigures(rs.filter((r) => r.villageId === v.id).map(matter)) })),
    }));
}

export type TownshipOverview = Overview & { service: ServiceFigures; breakdown: Breakdown[] };

/** The overview of the villages of the user's township that the user can read. */
export async function townshipOverview(runtime: Runtime, user: User): Promise<TownshipOverview> {
  const { store } = runtime;
  const all = await store.listVillages(user.townshipId);
  const readable = new Set(readableVillageIds(user, all));
  const villages = all.filter((v) => readable.has(v.id));
  const { instances, entries } = await store.instanceStats(user.townshipId);
  // Titles from the flow versions in use, newest first; an older version names a step it alone has.
  const versions = new Map<string, number[]>();
  for (const i of instances) {
    const list = versions.get(i.flowId) ?? [];
    if (!list.includes(i.flowVersionId)) list.push(i.flowVersionId);
    versions.set(i.flowId, list);
  }
  const flows = new Map<string, CompiledFlow['flow'][]>();
  for (const [flowId, ids] of versions) {
    flows.set(flowId, await Promise.all(ids.sort((a, b) => b - a).map(async (id) => (await runtime.compiled(id)).flow)));
  }
  const titles: Titles = (flowId, state) => {
    const list = flows.get(flowId) ?? [];
    const flow = list.find((f) => f.states[state]) ?? list[0];
    return { title: flow?.states[state]?.title ?? { zh: state }, flowTitle: flow?.title ?? { zh: flowId } };
  };
  // One row per matter of every flow in use: lateness for all, ratings and items for the services.
  const rows = await store.serviceStats(user.townshipId, [...versions.keys()]);
  const late = new Set(rows.filter((r) => r.late).map((r) => r.id));
  const times = caseTimes(instances, entries);
  const service = computeServiceFigures(villages, rows.filter((r) => r.itemId !== null || RATED_FLOWS.includes(r.flowId)), times);
  const breakdown = computeBreakdown(villages, rows, times, (flowId) => titles(flowId, '').flowTitle);
  return { ...computeOverview(villages, instances, entries, titles, late), service, breakdown };
}

// ----------------------------------------------------------------------------------------------
// The figures as a spreadsheet (CSV, Chinese headers, as townships file their reports): one row per
// scope — the township, each village, each item and flow (township-wide, then per village), each
// step (township-wide, then per village). Rates are percentages and times hours, one decimal;
// 计次 is what the times are over (finished matters, or a step's finished visits); an empty cell
// is a figure with nothing to count. Satisfaction is over the service matters (see above).
// ----------------------------------------------------------------------------------------------
export const STATS_CSV_HEADERS = [
  '类别',
  '范围',
  '事项或流程',
  '步骤',
  '发起数',
  '办结数',
  '办结率（%）',
  '按时办结数',
  '按时办结率（%）',
  '评价数',
  '满意数',
  '满意率（%）',
  '计次',
  '平均用时（小时）',
  '90%用时（小时）',
] as const;

const percent = (r: number | null) => (r === null ? '' : (Math.round(r * 1000) / 10).toFixed(1));
const hours = (ms: number | null) => (ms === null ? '' : (Math.round(ms / 360_000) / 10).toFixed(1));

export function statisticsRows(o: TownshipOverview, townshipName: string): string[][] {
  const rows: string[][] = [];
  const matter = (kind: string, scope: string, what: string, f: MatterFigures, rated?: ServiceRates) => {
    rows.push([kind, scope, what, '', String(f.started), String(f.done), percent(f.completion), String(f.onTime), percent(f.onTimeRate),
      rated ? String(rated.rated) : '', rated ? String(rated.satisfied) : '', rated ? percent(rated.satisfaction) : '', String(f.done), hours(f.averageMs), hours(f.p90Ms)]);
  };
  matter('全镇', townshipName, '', o.township.figures, o.service.township);
  for (const v of o.villages) matter('村（社区）', v.name, '', v.figures, o.service.villages.find((x) => x.id === v.id));
  for (const b of o.breakdown) {
    const kind = b.kind === 'item' ? '事项' : '流程';
    const name = b.code ? `${b.name.zh}（${b.code}）` : b.name.zh;
    const rated = b.kind === 'item' ? o.service.items.find((i) => i.id === b.id) : undefined;
    matter(kind, townshipName, name, b.township, rated);
    for (const v of b.villages) if (v.started > 0) matter(kind, v.name, name, v);
  }
  const step = (scope: string, x: StepStats) =>
    rows.push(['步骤', scope, x.flowTitle.zh, x.title.zh, '', '', '', '', '', '', '', '', String(x.visits), hours(x.averageMs), hours(x.p90Ms)]);
  for (const x of o.township.steps) step(townshipName, x);
  for (const v of o.villages) for (const x of v.steps) step(v.name, x);
  return rows;
}

export function statisticsCsv(o: TownshipOverview, townshipName: string): string {
  // A byte-order mark so spreadsheet programs read the Chinese as UTF-8.
  return '\ufeff' + Papa.unparse({ fields: [...STATS_CSV_HEADERS], data: statisticsRows(o, townshipName) }, { newline: '\r\n' });
}
