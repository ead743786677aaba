// The queries people wait on, against databases of 10k, 100k and 1M history records: 1k, 10k and
// 100k instances in 10, 100 and 1,000 villages of up to 50 per township (bench/scale-data.ts builds
// them from the golden runs, cached in the temp folder per schema and generator). Each query is
// timed through what the server calls — the store's methods, the board and the overview as their
// routers build them — and reported as p50/p99 per size (wall clock and CPU time), with how it
// grows from one size to the next. Each call asks about the next village (or township) in turn,
// so no one village stays hot in the cache.
import { Bench } from 'tinybench';
import { verify, compileFlow } from '../engine/index.ts';
import { villageBoard } from '../server/matters/board.ts';
import { Runtime } from '../server/matters/runtime.ts';
import { townshipOverview } from '../server/matters/stats.ts';
import { SqliteStore } from '../server/store/sqlite/index.ts';
import type { User, Village } from '../server/store/types.ts';
import { TIME_MS, type Benchmark, type Result } from './lib.ts';
import { loadLine } from './machine-load.ts';
import { INSTANCES_PER_VILLAGE, NOW, VILLAGES_PER_TOWNSHIP, scaleDb, townshipId, townshipsFor, villageId, villagesFor, type ScaleDb } from './scale-data.ts';

/** Instances per database: about 10 history records each. */
const SIZES = [1_000, 10_000, 100_000];
const TARGET_MS = 10;

export interface ScaleResult extends Result {
  p50Ms: number;
  p99Ms: number;
  /** The same of the CPU time the process spent per call (process.cpuUsage). */
  cpuP50Ms: number;
  cpuP99Ms: number;
  /** Rows the query returned, averaged over the villages or townships it was asked about. */
  rows: number;
  records: number;
}

interface Query {
  name: string;
  /** What one call returns, for the rows column; `i` picks the village or township. */
  call(i: number): Promise<number>;
}

const T = {
  inboxVillage: 'inbox: village secretary (2 roles)',
  inboxTownship: 'inbox: township reviewer',
  listVillage: 'instance list: one village',
  listTownship: 'instance list: township admin (50 villages)',
  board: 'public board of a village',
  overview: 'township overview (stats.overview)',
};

function queries(db: ScaleDb, store: SqliteStore, runtime: Runtime): Query[] {
  // Village i of the first township, in turn; townships in turn for township-wide queries.
  const village = (i: number) => villageId(i % Math.min(VILLAGES_PER_TOWNSHIP, villagesFor(db.instances)));
  const township = (i: number) => townshipId(i % townshipsFor(db.instances));
  const villagesOf = (t: string) =>
    Array.from({ length: VILLAGES_PER_TOWNSHIP }, (_, k) => (Number(t.slice(1)) - 1) * VILLAGES_PER_TOWNSHIP + k).filter((v) => v < villagesFor(db.instances)).map(villageId);
  const admin = (t: string): User => ({ id: `${t}-admin`, townshipId: t, username: `${t}.admin`, displayName: 'admin', roles: [{ role: 'township_admin', villageId: null }], mustChangePassword: false });
  const townshipOf = (v: string) => v.split('-')[0]!;
  const villageOf = (v: string): Village => ({ id: v, townshipId: townshipOf(v), name: v, kind: 'village' });
  const secretary = (v: string): User => ({ id: `${v}-secretary`, townshipId: townshipOf(v), username: `${v}.secretary`, displayName: 'secretary', roles: [{ role: 'party_secretary', villageId: v }, { role: 'party_member', villageId: v }], mustChangePassword: false });
  return [
    {
      name: T.inboxVillage,
      call: async (i) =>
        (await store.inbox(['party_secretary', 'party_member'].map((role) => ({ townshipId: townshipId(0), villageId: village(i), role })), 200)).length,
    },
    {
      name: T.inboxTownship,
      call: async (i) => (await store.inbox([{ townshipId: township(i), villageId: null, role: 'township_reviewer' }], 200)).length,
    },
    // As instances.list calls it: the user's read scope (server/access/readRule.ts), then the query.
    {
      name: T.listVillage,
      call: async (i) => {
        const read = await runtime.readScope(secretary(village(i)), [villageOf(village(i))]);
        return (await store.listInstances({ townshipId: townshipId(0), villageIds: read.villageIds, read })).length;
      },
    },
    {
      name: T.listTownship,
      call: async (i) => {
        const read = await runtime.readScope(admin(township(i)), villagesOf(township(i)).map(villageOf));
        return (await store.listInstances({ townshipId: township(i), villageIds: read.villageIds, read })).length;
      },
    },
    {
      name: T.board,
      call: async (i) => {
        const b = await villageBoard(runtime, village(i));
        return b.current.length + b.past.length;
      },
    },
    { name: T.overview, call: async (i) => (await townshipOverview(runtime, admin(township(i)))).villages.length },
  ];
}

/** The database is what it claims: counts, a copied chain that verifies, queries that find rows. */
async function selfCheck(db: ScaleDb, store: SqliteStore, qs: Query[]) {
  const count = (sql: string) => (store.db.prepare(sql).get() as { n: number }).n;
  if (count('SELECT count(*) AS n FROM instances') !== db.instances || count('SELECT count(*) AS n FROM history') !== db.history) {
    throw new Error(`${db.path}: counts differ from its build record`);
  }
  if (count('SELECT count(*) AS n FROM instances i WHERE i.seq <> (SELECT max(seq) FROM history h WHERE h.instance_id = i.id) LIMIT 1') !== 0) {
    throw new Error(`${db.path}: an instance's seq is not its last history record`);
  }
  // What the overview reads (instance_stats, state_visits) was derived from the copied rows.
  if (count('SELECT count(*) AS n FROM instance_stats') !== db.instances || count('SELECT count(*) AS n FROM state_visits') !== db.visits) {
    throw new Error(`${db.path}: the overview's tables do not match the instances (rebuild with BENCH_SCALE_REBUILD=1)`);
  }
  const last = (await store.listInstances({ townshipId: townshipId(townshipsFor(db.instances) - 1), limit: 1 }))[0]!;
  const compiled = compileFlow(JSON.parse((await store.getFlowVersion(last.flowVersionId))!.json));
  const v = verify(compiled, await store.history(last.id), { head: last.head });
  if (!v.ok) throw new Error(`${db.path}: instance ${last.id} does not verify: ${v.reason}`);
  for (const q of qs) {
    let found = 0;
    for (let i = 0; i < VILLAGES_PER_TOWNSHIP; i++) found += await q.call(i);
    if (found === 0) throw new Error(`${db.path}: "${q.name}" finds nothing in ${VILLAGES_PER_TOWNSHIP} calls`);
  }
}

async function measureQueries(records: number, instances: number, qs: Query[]): Promise<ScaleResult[]> {
  const b = new Bench({ time: TIME_MS, warmupTime: Math.min(500, TIME_MS / 4), throws: true, iterations: 10, warmupIterations: 3 });
  const rows = new Map<string, number[]>();
  const cpu = new Map<string, number[]>();
  for (const q of qs) {
    let i = 0;
    rows.set(q.name, []);
    // CPU time of each call too: on a busy machine wall-clock p99 is mostly waiting for a core.
    b.add(
      q.name,
      async () => {
        const c0 = process.cpuUsage();
        rows.get(q.name)!.push(await q.call(i++));
        const c = process.cpuUsage(c0);
        cpu.get(q.name)!.push((c.user + c.system) / 1000);
      },
      // Before the warmup and again before the measured run: only the measured calls are kept.
      { beforeAll: () => void cpu.set(q.name, []) },
    );
  }
  await b.run();
  return qs.map((q) => {
    const r = b.getTask(q.name)!.result;
    if (r.state !== 'completed') throw new Error(`scale/${q.name}: task ${r.state}`);
    const got = rows.get(q.name)!;
    const cpuMs = cpu.get(q.name)!.sort((x, y) => x - y);
    return {
      bench: 'scale',
      task: `${q.name} @ ${label(records)}`,
      unit: 'queries',
      perOp: 1,
      input: records,
      inputUnit: `records, ${instances} instances, ${villagesFor(instances)} villages`,
      opsPerSec: 1000 / r.period,
      itemsPerSec: 1000 / r.period,
      usPerItem: r.period * 1000,
      rmePct: r.latency.rme,
      samples: r.latency.samplesCount,
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      cpuP50Ms: quantile(cpuMs, 0.5),
      cpuP99Ms: quantile(cpuMs, 0.99),
      rows: got.reduce((s, n) => s + n, 0) / got.length,
      records,
    };
  });
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
const label = (records: number) => (records >= 950_000 ? '1M' : records >= 95_000 ? '100k' : '10k');
const ms = (x: number) => (x < 1 ? x.toFixed(3) : x < 10 ? x.toFixed(2) : x.toFixed(1));

const bench: Benchmark = {
  name: 'scale',
  description: `p50/p99 of inbox, instance lists, public board and overview at 10k, 100k and 1M history records (${INSTANCES_PER_VILLAGE} instances a village, ${VILLAGES_PER_TOWNSHIP} villages a township)`,
  async run() {
    const results: ScaleResult[] = [];
    for (const size of SIZES) {
      const db = await scaleDb(size);
      console.log(
        `  ${label(db.history)}: ${db.instances} instances, ${db.history} history records, ${db.tasks} tasks, ${db.timers} timers, ${db.disclosures} disclosures, ${db.visits} step visits; ` +
          `seeded in ${db.buildSeconds.toFixed(1)} s${db.cached ? ` (cached, built ${db.builtAt})` : ''}`,
      );
      const store = new SqliteStore(db.path);
      await store.migrate();
      const runtime = new Runtime(store, () => new Date(NOW));
      const qs = queries(db, store, runtime);
      await selfCheck(db, store, qs);
      results.push(...(await measureQueries(db.history, db.instances, qs)));
      scaleDbs.push(db);
      await store.close();
    }
    return results;
  },
  summarize(results) {
    const rs = results as ScaleResult[];
    const lines = scaleDbs.map(
      (db) => `seed ${label(db.history)}: ${db.history.toLocaleString('en-US')} records, ${db.instances.toLocaleString('en-US')} instances, ${db.visits.toLocaleString('en-US')} step visits (what the overview reads) in ${db.buildSeconds.toFixed(1)} s` +
        `${db.cached ? ' (cached file; BENCH_SCALE_REBUILD=1 rebuilds)' : ''}`,
    );
    for (const name of Object.values(T)) {
      const row = rs.filter((r) => r.task.startsWith(`${name} @ `));
      if (row.length === 0) continue;
      const cells = row.map((r) => `${label(r.records)} ${ms(r.p50Ms)}/${ms(r.p99Ms)} ms, CPU ${ms(r.cpuP50Ms)}/${ms(r.cpuP99Ms)} (${Math.round(r.rows)} rows)`);
      const growth = row.slice(1).map((r, k) => `×${(r.p50Ms / row[k]!.p50Ms).toFixed(1)}`);
      let line = `${name}: p50/p99 ${cells.join('; ')}; p50 growth per 10x records ${growth.join(', ')}`;
      const big = row.at(-1)!;
      if ([T.inboxVillage, T.inboxTownship, T.board].includes(name)) {
        const verdict = (p99: number) => (p99 <= TARGET_MS ? 'meets' : `misses by ${ms(p99 - TARGET_MS)} ms`);
        line += `; p99 ≤ ${TARGET_MS} ms at ${label(big.records)}: wall clock ${verdict(big.p99Ms)}, CPU time ${verdict(big.cpuP99Ms)}`;
      }
      if (name === T.overview) {
        // It sums one township: its size, not the database's, is what it reads.
        const perTownship = scaleDbs.map((db) => Math.round(db.instances / townshipsFor(db.instances)).toLocaleString('en-US'));
        line += `; it reads one township's instances and step visits (instances per township: ${perTownship.join(' / ')})`;
      }
      lines.push(line);
    }
    lines.push(loadLine());
    return lines;
  },
};
const scaleDbs: ScaleDb[] = [];
export default bench;
