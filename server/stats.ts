// The township overview: per village, how many matters are running, done and overdue; per flow
// step, how long a visit to it takes on average. A visit runs from the history record that entered
// the step to the record that left it; a step entered again later (returned, reconvened after an
// objection) is a new visit, and a step still open (or a final state) is no finished visit and is
// not counted. Records that stay in the step (ballots, timers that flag it overdue, a meeting
// reconvened for want of a quorum) are part of the one visit. The store hands over only the
// records that changed state; the arithmetic is here, on ISO timestamps.
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
}
export interface Counts {
  running: number;
  done: number;
  /** Running instances with an overdue open step (a subset of running). */
  overdue: number;
}
export interface VillageStats extends Counts {
  id: string;
  name: string;
  kind: Village['kind'];
  /** Slowest first. */
  steps: StepStats[];
}
export interface Overview {
  villages: VillageStats[];
  township: Counts & { steps: StepStats[] };
}

type Titles = (flowId: string, state: string) => { title: Text; flowTitle: Text };

interface Acc {
  flowId: string;
  state: string;
  visits: number;
  totalMs: number;
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
  if (!a) map.set(key, (a = { flowId, state, visits: 0, totalMs: 0 }));
  a.visits++;
  a.totalMs += ms;
}

function steps(map: Map<string, Acc>, titles: Titles): StepStats[] {
  return [...map.values()]
    .map((a) => ({ flowId: a.flowId, state: a.state, ...titles(a.flowId, a.state), visits: a.visits, totalMs: a.totalMs, averageMs: Math.round(a.totalMs / a.visits) }))
    .sort((x, y) => y.averageMs - x.averageMs || x.flowId.localeCompare(y.flowId) || x.state.localeCompare(y.state));
}

/** The pure computation: instances and their state entries (any order) → the overview. */
export function computeOverview(villages: Village[], instances: InstanceStatsRow[], entries: StateEntryRow[], titles: Titles): Overview {
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
  return {
    villages: villages.map((v) => {
      const s = perVillage.get(v.id)!;
      return { id: v.id, name: v.name, kind: v.kind, ...s.counts, steps: steps(s.steps, titles) };
    }),
    township: { ...total.counts, steps: steps(total.steps, titles) },
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

export function serviceRates(rows: ServiceStatsRow[]): ServiceRates {
  const done = rows.filter((r) => r.status === 'done');
  const rated = rows.filter((r) => r.score !== null);
  const satisfied = rated.filter((r) => r.score! >= SATISFIED_SCORE).length;
  const onTime = done.filter((r) => !r.late).length;
  const rate = (n: number, of: number) => (of === 0 ? null : n / of);
  const out = {
    started: rows.length,
    done: done.length,
    rated: rated.length,
    satisfied,
    onTime,
    satisfaction: rate(satisfied, rated.length),
    onTimeRate: rate(onTime, done.length),
    completion: rate(done.length, rows.length),
  };
  return { ...out, flagged: [out.satisfaction, out.onTimeRate, out.completion].some((r) => r !== null && r < RATE_THRESHOLD) };
}

export function computeServiceFigures(villages: Village[], rows: ServiceStatsRow[]): ServiceFigures {
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
    township: serviceRates(mine),
    villages: villages.map((v) => ({ id: v.id, name: v.name, ...serviceRates(mine.filter((r) => r.villageId === v.id)) })),
    items: [...items.entries()].map(([id, e]) => ({ id, code: e.code, name: e.name, ...serviceRates(e.rows) })).sort((a, b) => a.code.localeCompare(b.code)),
  };
}

/** The overview of the villages of the user's township that the user can read. */
export async function townshipOverview(runtime: Runtime, user: User): Promise<Overview & { service: ServiceFigures }> {
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
  const service = computeServiceFigures(villages, await store.serviceStats(user.townshipId, RATED_FLOWS));
  return { ...computeOverview(villages, instances, entries, titles), service };
}
