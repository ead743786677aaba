// The overview's store rows (overviewStats) as the history-based queries (instanceStats,
// serviceStats) and the overview's reference arithmetic give them: what the tables the store keeps
// while writing events, or migration 4 fills, must hold. Shared by the SQLite and PostgreSQL tests.
import { caseTimes, visits } from '../../server/stats.ts';
import type { Store } from '../../server/store/types.ts';

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
