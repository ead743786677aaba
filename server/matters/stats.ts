// The township overview: per village, how many matters are running, done and overdue, the
// completion (办结率) and on-time rates and how long a matter takes; per flow step, how long a visit
// to it takes (average and 90th percentile); per item and flow the same; all of it as CSV. A visit runs from the history record that entered
// the step to the record that left it; a step entered again later (returned, reconvened after an
// objection) is a new visit, and a step still open (or a final state) is no finished visit and is
// not counted. Records that stay in the step (ballots, timers that flag it overdue, a meeting
// reconvened for want of a quorum) are part of the one visit. The store keeps, as it writes each
// event, one row per instance and one per finished visit (its length in ms, from the ISO
// timestamps), and hands them over per township (overviewStats): reading the overview no longer
// reads the history. The same arithmetic on the history's state entries is the reference the
// tests hold this against (tests/server/overview-reference.ts).
import { csvFile } from '../../engine/index.ts';
import type { CompiledFlow, Text } from '../../engine/index.ts';
import type { Runtime } from './runtime.ts';
import { wholeVillageIds } from '../access/readRule.ts';
import type { OverviewInstanceRow, OverviewVisitsRow, User, Village } from '../store/types.ts';

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

/**
 * The nearest-rank percentile of values sorted ascending (at least one): the smallest value that at
 * least `p` of the values do not exceed (for p = 0.9 and 10 values, the 9th smallest).
 */
export function nearestRank(sorted: ArrayLike<number>, p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

export const rate = (n: number, of: number) => (of === 0 ? null : n / of);

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

/**
 * The figures of one scope (the township, a village, an item or flow, or one of those in a village),
 * counted in one pass over the matters: the matter figures, and the service rates over the rated ones.
 */
class Tally {
  started = 0;
  done = 0;
  onTime = 0;
  rated = 0;
  satisfied = 0;
  /** Time taken by the finished matters that have one. */
  private times: number[] = [];

  add(r: OverviewInstanceRow) {
    this.started++;
    if (r.score !== null) {
      this.rated++;
      if (r.score >= SATISFIED_SCORE) this.satisfied++;
    }
    if (r.status === 'done') {
      this.done++;
      if (!r.late) this.onTime++;
      if (r.ms !== null) this.times.push(r.ms);
    }
  }

  private averageAndP90(): { averageMs: number | null; p90Ms: number | null } {
    const n = this.times.length;
    if (n === 0) return { averageMs: null, p90Ms: null };
    let sum = 0;
    for (const ms of this.times) sum += ms;
    const sorted = Float64Array.from(this.times).sort();
    return { averageMs: Math.round(sum / n), p90Ms: nearestRank(sorted, 0.9) };
  }

  matter(): MatterFigures {
    const { averageMs, p90Ms } = this.averageAndP90();
    return { started: this.started, done: this.done, completion: rate(this.done, this.started), onTime: this.onTime, onTimeRate: rate(this.onTime, this.done), averageMs, p90Ms };
  }

  service(): ServiceRates {
    const { averageMs, p90Ms } = this.averageAndP90();
    const out = {
      started: this.started,
      done: this.done,
      rated: this.rated,
      satisfied: this.satisfied,
      onTime: this.onTime,
      satisfaction: rate(this.satisfied, this.rated),
      onTimeRate: rate(this.onTime, this.done),
      completion: rate(this.done, this.started),
      averageMs,
      p90Ms,
    };
    return { ...out, flagged: [out.satisfaction, out.onTimeRate, out.completion].some((r) => r !== null && r < RATE_THRESHOLD) };
  }
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

export type TownshipOverview = Overview & { service: ServiceFigures; breakdown: Breakdown[] };

/**
 * The step figures from the store's finished visits per flow, step and village (overviewStats):
 * what computeOverview makes of the state entries, for the villages asked for.
 */
export function stepsFromVisits(villages: Village[], rows: readonly OverviewVisitsRow[], titles: Titles): { villages: Map<string, StepStats[]>; township: StepStats[] } {
  const wanted = new Set(villages.map((v) => v.id));
  const perVillage = new Map<string, OverviewVisitsRow[]>(villages.map((v) => [v.id, []]));
  const township = new Map<string, { flowId: string; state: string; totalMs: number; visits: number; parts: OverviewVisitsRow[] }>();
  for (const r of rows) {
    if (!wanted.has(r.villageId) || r.durations.length === 0) continue;
    perVillage.get(r.villageId)!.push(r);
    const key = `${r.flowId}\u0000${r.state}`;
    let t = township.get(key);
    if (!t) township.set(key, (t = { flowId: r.flowId, state: r.state, totalMs: 0, visits: 0, parts: [] }));
    t.totalMs += r.totalMs;
    t.visits += r.durations.length;
    t.parts.push(r);
  }
  // A village's durations come shortest first; the township's (its villages' together) are sorted here.
  const step = (flowId: string, state: string, totalMs: number, sorted: ArrayLike<number>): StepStats => {
    const visits = sorted.length;
    return { flowId, state, ...titles(flowId, state), visits, totalMs, averageMs: Math.round(totalMs / visits), p90Ms: nearestRank(sorted, 0.9) };
  };
  const merged = (t: { visits: number; parts: OverviewVisitsRow[] }) => {
    const all = new Float64Array(t.visits);
    let at = 0;
    for (const p of t.parts) {
      all.set(p.durations, at);
      at += p.durations.length;
    }
    return all.sort();
  };
  const order = (x: StepStats, y: StepStats) => y.averageMs - x.averageMs || x.flowId.localeCompare(y.flowId) || x.state.localeCompare(y.state);
  return {
    villages: new Map([...perVillage].map(([id, list]) => [id, list.map((r) => step(r.flowId, r.state, r.totalMs, r.durations)).sort(order)])),
    township: [...township.values()].map((t) => step(t.flowId, t.state, t.totalMs, merged(t))).sort(order),
  };
}

/** The overview of the villages of the user's township whose every matter the user reads (server/access/readRule.ts). */
export async function townshipOverview(runtime: Runtime, user: User): Promise<TownshipOverview> {
  const { store } = runtime;
  const all = await store.listVillages(user.townshipId);
  const readable = new Set(wholeVillageIds(await runtime.readScope(user, all)));
  const villages = all.filter((v) => readable.has(v.id));
  // Every instance of the township (by id) and the finished visits, as the store keeps them.
  const { instances, visits: visitRows } = await store.overviewStats(user.townshipId);
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
  return { ...stepsAndCounts(villages, instances, visitRows, titles), ...figures(villages, instances, (flowId) => titles(flowId, '').flowTitle) };
}

/**
 * The matter and service figures, for the township, each village, and each item and flow (in the
 * township and per village), in one pass over the instances (in id order: groups and items are
 * listed in the order their first matter comes, before sorting by code). Every matter counts
 * under its flow; those started from the catalogue also under their item. Service figures are over
 * the service matters: started from the catalogue or of a rated flow.
 */
function figures(villages: Village[], instances: readonly OverviewInstanceRow[], flowTitle: (flowId: string) => Text): { service: ServiceFigures; breakdown: Breakdown[] } {
  const perVillage = new Map(villages.map((v) => [v.id, new Tally()]));
  const township = new Tally();
  const items = new Map<string, { code: string; name: string; tally: Tally }>();
  type Group = { kind: 'item' | 'flow'; id: string; code: string | null; name: Text; township: Tally; villages: Map<string, Tally> };
  const groups = new Map<string, Group>();
  const inGroup = (key: string, make: () => Omit<Group, 'township' | 'villages'>, r: OverviewInstanceRow) => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ...make(), township: new Tally(), villages: new Map() }));
    g.township.add(r);
    let v = g.villages.get(r.villageId);
    if (!v) g.villages.set(r.villageId, (v = new Tally()));
    v.add(r);
  };
  for (const r of instances) {
    const village = perVillage.get(r.villageId);
    if (!village) continue; // a village the user cannot read
    if (r.itemId !== null || RATED_FLOWS.includes(r.flowId)) {
      township.add(r);
      village.add(r);
      if (r.itemId) {
        let e = items.get(r.itemId);
        if (!e) items.set(r.itemId, (e = { code: r.itemCode!, name: r.itemName!, tally: new Tally() }));
        e.tally.add(r);
      }
    }
    if (r.itemId) inGroup(`item:${r.itemId}`, () => ({ kind: 'item', id: r.itemId!, code: r.itemCode, name: { zh: r.itemName ?? r.itemId! } }), r);
    inGroup(`flow:${r.flowId}`, () => ({ kind: 'flow', id: r.flowId, code: null, name: flowTitle(r.flowId) }), r);
  }
  const none = new Tally();
  return {
    service: {
      threshold: RATE_THRESHOLD,
      satisfiedScore: SATISFIED_SCORE,
      township: township.service(),
      villages: villages.map((v) => ({ id: v.id, name: v.name, ...perVillage.get(v.id)!.service() })),
      items: [...items.entries()].map(([id, e]) => ({ id, code: e.code, name: e.name, ...e.tally.service() })).sort((a, b) => a.code.localeCompare(b.code)),
    },
    breakdown: [...groups.values()]
      .sort((a, b) => (a.kind === b.kind ? (a.code ?? a.id).localeCompare(b.code ?? b.id) : a.kind === 'item' ? -1 : 1))
      .map((g) => ({
        kind: g.kind,
        id: g.id,
        code: g.code,
        name: g.name,
        township: g.township.matter(),
        villages: villages.map((v) => ({ id: v.id, name: v.name, ...(g.villages.get(v.id) ?? none).matter() })),
      })),
  };
}

/** The counts and matter figures of the township and each village, with their steps. */
function stepsAndCounts(villages: Village[], instances: readonly OverviewInstanceRow[], visitRows: readonly OverviewVisitsRow[], titles: Titles): Overview {
  const perVillage = new Map(villages.map((v) => [v.id, { counts: { running: 0, done: 0, overdue: 0 }, tally: new Tally() }]));
  const total = { counts: { running: 0, done: 0, overdue: 0 }, tally: new Tally() };
  for (const i of instances) {
    const v = perVillage.get(i.villageId);
    if (!v) continue;
    for (const s of [v, total]) {
      if (i.status === 'done') s.counts.done++;
      else s.counts.running++;
      if (i.status === 'active' && i.overdue) s.counts.overdue++;
      s.tally.add(i);
    }
  }
  const steps = stepsFromVisits(villages, visitRows, titles);
  return {
    villages: villages.map((v) => {
      const s = perVillage.get(v.id)!;
      return { id: v.id, name: v.name, kind: v.kind, ...s.counts, figures: s.tally.matter(), steps: steps.villages.get(v.id)! };
    }),
    township: { ...total.counts, figures: total.tally.matter(), steps: steps.township },
  };
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
  return csvFile(STATS_CSV_HEADERS, statisticsRows(o, townshipName));
}
