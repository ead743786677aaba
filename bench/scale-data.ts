// Builds the scale benchmark's databases: townships of 50 villages of 100 instances each (1M
// history records: 1,000 villages in 20 townships), with rows that are what the SQLite store writes. Every golden run of every bundled flow is run through the engine and the
// real store once (in full, and cut short at a quarter, a half and three quarters: finished and
// running instances), into a prototype database; the large databases copy those rows with new
// instance ids, villages and townships, in SQL (INSERT … SELECT), so 1M history records take
// seconds, not the hours a million store transactions would.
//
// Copies keep their history rows byte for byte (so each copy's chain still verifies; copies of one
// prototype share hashes) and shift everything else in time — created/updated, task since/due,
// timers, disclosure periods — so instances spread over two years before NOW.
import { hash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apply, compileFlow, openSteps, start, type CompiledFlow, type FlowEvent, type StepResult } from '../engine/index.ts';
import { publishBundled } from '../server/matters/flows.ts';
import { useNodeCrypto } from '../server/node-crypto.ts';
import { SqliteStore } from '../server/store/sqlite/index.ts';
import { migrationsFor } from '../server/store/migrations.ts';
import { SQLITE_OVERVIEW_BACKFILL } from '../server/store/overview.ts';
import type { FlowVersion } from '../server/store/types.ts';

/** Villages per township, and instances per village: the same in every database, so a smaller
 * database is a smaller region (fewer villages and townships), not emptier villages, and a
 * village's or township's own queries see the same amount of data at every size. */
export const VILLAGES_PER_TOWNSHIP = 50;
export const INSTANCES_PER_VILLAGE = 100;
export const villagesFor = (instances: number) => Math.ceil(instances / INSTANCES_PER_VILLAGE);
export const townshipsFor = (instances: number) => Math.ceil(villagesFor(instances) / VILLAGES_PER_TOWNSHIP);
/** History records per instance the mix of prototypes aims at (1M records over 100k instances). */
export const RECORDS_PER_INSTANCE = 10;
/** The clock of every scale database: the last instance was touched just before it. */
export const NOW = '2026-06-30T12:00:00.000Z';
const SPREAD_DAYS = 730;

const FLOWS = fileURLToPath(new URL('../flows/', import.meta.url));

export const townshipId = (t: number) => `t${String(t + 1).padStart(2, '0')}`;
export const villageId = (v: number) => `${townshipId(Math.floor(v / VILLAGES_PER_TOWNSHIP))}-v${String((v % VILLAGES_PER_TOWNSHIP) + 1).padStart(3, '0')}`;
/** A UUID-shaped id, like the runtime's randomUUID ones, but in insertion order. */
const instanceId = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

interface Proto {
  id: string;
  flowId: string;
  records: number;
  done: boolean;
}

/** Runs every golden run (whole, and cut short) through the engine and the real store. */
async function buildPrototypes(path: string): Promise<Proto[]> {
  useNodeCrypto();
  const store = new SqliteStore(path);
  await store.migrate();
  await store.createTownship({ id: 'proto', name: '样本镇' });
  await store.createVillage({ id: 'proto-v', townshipId: 'proto', name: '样本村', kind: 'village' });
  const protos: Proto[] = [];
  for (const file of readdirSync(FLOWS).filter((f) => f.endsWith('.flow.json')).sort()) {
    const json = readFileSync(join(FLOWS, file), 'utf8');
    let version: FlowVersion;
    let compiled: CompiledFlow;
    try {
      compiled = compileFlow(JSON.parse(json));
      version = await publishBundled(store, 'proto', json, 'proto-admin', '2024-01-01T00:00:00.000Z', ['proto-v']);
    } catch {
      continue; // a flow being edited: not part of the data
    }
    const runs = readdirSync(join(FLOWS, 'runs')).filter((f) => f.startsWith(`${version.flowId}.`) && f.endsWith('.run.json')).sort();
    for (const run of runs) {
      const events = (JSON.parse(readFileSync(join(FLOWS, 'runs', run), 'utf8')) as { events: FlowEvent[] }).events;
      const L = events.length;
      const cuts = [...new Set([L, Math.ceil(L / 4), Math.ceil(L / 2), Math.ceil((3 * L) / 4)])].filter((c) => c >= 1 && c <= L);
      for (const cut of cuts) {
        const id = `p${String(protos.length).padStart(4, '0')}`;
        let step: StepResult;
        try {
          step = start(compiled, events[0]!);
          const write = () => ({ record: step.record, snapshot: step.snapshot, effects: step.effects, tasks: openSteps(compiled, step.snapshot) });
          await store.createInstance(
            { id, villageId: 'proto-v', townshipId: 'proto', flowVersionId: version.id, flowId: version.flowId, title: `${compiled.flow.title.zh}（${run}）`, snapshot: step.snapshot, startedBy: events[0]!.actor.id, createdAt: step.record.at },
            write(),
          );
          for (const e of events.slice(1, cut)) {
            const seq = step.snapshot.seq;
            step = apply(compiled, step.snapshot, e);
            await store.appendEvent({ instanceId: id, expectedSeq: seq, ...write() });
          }
        } catch {
          break; // a run being edited that no longer replays: its rows are left out (not in `protos`)
        }
        protos.push({ id, flowId: version.flowId, records: cut, done: step.snapshot.status === 'done' });
      }
    }
  }
  await store.close();
  return protos;
}

/**
 * Which prototype the n-th instance copies: a finished one, or (for a share `active` of the
 * instances, spread evenly) one still running, so that the mean is RECORDS_PER_INSTANCE records.
 */
function chooser(protos: Proto[]): (n: number) => Proto {
  const done = protos.filter((p) => p.done);
  const running = protos.filter((p) => !p.done);
  const mean = (ps: Proto[]) => ps.reduce((s, p) => s + p.records, 0) / ps.length;
  const active = Math.min(0.9, Math.max(0.05, (mean(done) - RECORDS_PER_INSTANCE) / (mean(done) - mean(running))));
  return (n) => {
    // Golden-ratio sequence: the running share is spread over n without clumping.
    const u = (n * 0.6180339887498949) % 1;
    const list = u < active ? running : done;
    return list[Math.floor(n / 7) % list.length]!;
  };
}

export interface ScaleDb {
  path: string;
  instances: number;
  history: number;
  tasks: number;
  timers: number;
  disclosures: number;
  /** Finished step visits the overview reads (state_visits). */
  visits: number;
  /** Seconds the build took (when it was built; the file is cached). */
  buildSeconds: number;
  builtAt: string;
  cached: boolean;
}

/** The cache folder: one per schema, generator and bundled flows and runs. */
function cacheDir(): string {
  const h = hash('sha256', [
    JSON.stringify(migrationsFor('sqlite')),
    readFileSync(fileURLToPath(import.meta.url), 'utf8'),
    ...readdirSync(FLOWS).filter((f) => f.endsWith('.json')).sort().map((f) => readFileSync(join(FLOWS, f), 'utf8')),
    ...readdirSync(join(FLOWS, 'runs')).sort().map((f) => readFileSync(join(FLOWS, 'runs', f), 'utf8')),
  ].join('\u0000')).slice(0, 16);
  return join(tmpdir(), `villageflow-bench-scale-${h}`);
}

const q = (db: SqliteStore['db'], sql: string) => (db.prepare(sql).get() as { n: number }).n;

/** The database with `instances` instances (the first of one fixed sequence), built or from the cache. */
export async function scaleDb(instances: number): Promise<ScaleDb> {
  const dir = cacheDir();
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `scale-${instances}.db`);
  const meta = `${path}.json`;
  if (existsSync(path) && existsSync(meta) && !process.env.BENCH_SCALE_REBUILD) {
    return { ...(JSON.parse(readFileSync(meta, 'utf8')) as ScaleDb), path, cached: true };
  }
  const t0 = performance.now();
  // Databases of an older schema or generator: a gigabyte each, never read again.
  for (const old of readdirSync(tmpdir()).filter((d) => d.startsWith('villageflow-bench-scale-') && join(tmpdir(), d) !== dir)) {
    rmSync(join(tmpdir(), old), { recursive: true, force: true });
  }
  const protoPath = join(dir, 'prototypes.db');
  let protos: Proto[];
  const protoMeta = `${protoPath}.json`;
  if (existsSync(protoPath) && existsSync(protoMeta)) protos = JSON.parse(readFileSync(protoMeta, 'utf8')) as Proto[];
  else {
    for (const f of [protoPath, `${protoPath}-wal`, `${protoPath}-shm`]) rmSync(f, { force: true });
    protos = await buildPrototypes(protoPath);
    writeFileSync(protoMeta, JSON.stringify(protos));
  }
  const choose = chooser(protos);

  const tmp = `${path}.building`;
  for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  const store = new SqliteStore(tmp);
  await store.migrate();
  const db = store.db;
  // A scratch file being filled: no journal, no fsync; the finished file is switched back to WAL.
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('foreign_keys = OFF');
  db.pragma('cache_size = -262144');
  db.prepare('ATTACH DATABASE ? AS p').run(protoPath);
  db.exec('CREATE TEMP TABLE plan (n INTEGER PRIMARY KEY, iid TEXT NOT NULL, village_id TEXT NOT NULL, township_id TEXT NOT NULL, proto TEXT NOT NULL, shift REAL NOT NULL)');
  const nowDays = Date.parse(NOW) / 86_400_000;
  db.transaction(() => {
    const township = db.prepare('INSERT INTO townships (id, name) VALUES (?, ?)');
    const village = db.prepare('INSERT INTO villages (id, township_id, name, kind) VALUES (?, ?, ?, ?)');
    for (let t = 0; t < townshipsFor(instances); t++) township.run(townshipId(t), `第${t + 1}镇`);
    for (let v = 0; v < villagesFor(instances); v++) village.run(villageId(v), townshipId(Math.floor(v / VILLAGES_PER_TOWNSHIP)), `第${v + 1}村`, v % 10 === 9 ? 'community' : 'village');
    // Each township publishes the bundled flows (the prototype's published rows) for all its villages.
    db.exec(`INSERT INTO flow_versions (township_id, flow_id, version, status, json, hash, title, created_by, created_at, published_by, published_at)
      SELECT t.id, f.flow_id, f.version, f.status, f.json, f.hash, f.title, f.created_by, f.created_at, f.published_by, f.published_at
      FROM townships t CROSS JOIN p.flow_versions f ORDER BY t.id, f.id`);
    db.exec(`INSERT INTO flow_villages (township_id, flow_id, village_id)
      SELECT v.township_id, f.flow_id, v.id FROM villages v CROSS JOIN (SELECT DISTINCT flow_id FROM p.flow_versions) f`);
    const plan = db.prepare('INSERT INTO plan (n, iid, village_id, township_id, proto, shift) VALUES (?, ?, ?, ?, ?, ?)');
    const lastAt = new Map((db.prepare('SELECT id, updated_at FROM p.instances').all() as { id: string; updated_at: string }[]).map((r) => [r.id, Date.parse(r.updated_at) / 86_400_000]));
    for (let n = 0; n < instances; n++) {
      const v = n % villagesFor(instances);
      const proto = choose(n);
      // The copy's last touch, spread over SPREAD_DAYS before NOW (most recent last).
      const ends = nowDays - SPREAD_DAYS * (1 - (n + 1) / instances) - 1 / 24;
      plan.run(n, instanceId(n), villageId(v), townshipId(Math.floor(v / VILLAGES_PER_TOWNSHIP)), proto.id, ends - lastAt.get(proto.id)!);
    }
  })();
  const shifted = (col: string) => `strftime('%Y-%m-%dT%H:%M:%fZ', julianday(${col}) + pl.shift)`;
  const fv = `(SELECT m.id FROM flow_versions m JOIN p.flow_versions o ON o.id = i.flow_version_id
    WHERE m.township_id = pl.township_id AND m.flow_id = o.flow_id AND m.version = o.version)`;
  db.transaction(() => {
    db.exec(`INSERT INTO instances (id, village_id, township_id, flow_version_id, flow_id, title, state, status, outcome, seq, head, snapshot, started_by, created_at, updated_at)
      SELECT pl.iid, pl.village_id, pl.township_id, ${fv}, i.flow_id, i.title, i.state, i.status, i.outcome, i.seq, i.head, i.snapshot, i.started_by,
        ${shifted('i.created_at')}, ${shifted('i.updated_at')}
      FROM plan pl JOIN p.instances i ON i.id = pl.proto ORDER BY pl.n`);
    // Who each copy belongs to (migration 9): its starter, as the prototypes name no subjects.
    db.exec(`INSERT INTO matter_people (instance_id, person_id, relation)
      SELECT pl.iid, i.started_by, 'starter' FROM plan pl JOIN p.instances i ON i.id = pl.proto ORDER BY pl.n`);
    db.exec(`INSERT INTO history (instance_id, seq, type, actor_id, role, at, payload, state, prev, hash)
      SELECT pl.iid, h.seq, h.type, h.actor_id, h.role, h.at, h.payload, h.state, h.prev, h.hash
      FROM plan pl JOIN p.history h ON h.instance_id = pl.proto ORDER BY pl.n, h.seq`);
    db.exec(`INSERT INTO tasks (instance_id, role, village_id, township_id, flow_id, title, state, since, due, overdue)
      SELECT pl.iid, t.role, pl.village_id, pl.township_id, t.flow_id, t.title, t.state, ${shifted('t.since')},
        CASE WHEN t.due IS NULL THEN NULL ELSE ${shifted('t.due')} END, t.overdue
      FROM plan pl JOIN p.tasks t ON t.instance_id = pl.proto ORDER BY pl.n`);
    db.exec(`INSERT INTO timers (instance_id, timer_id, due)
      SELECT pl.iid, t.timer_id, ${shifted('t.due')} FROM plan pl JOIN p.timers t ON t.instance_id = pl.proto ORDER BY pl.n`);
    db.exec(`INSERT INTO disclosures (instance_id, village_id, flow_id, title, state, from_at, until_at, ended_at, items, record_hash)
      SELECT pl.iid, pl.village_id, d.flow_id, d.title, d.state, ${shifted('d.from_at')}, ${shifted('d.until_at')},
        CASE WHEN d.ended_at IS NULL THEN NULL ELSE ${shifted('d.ended_at')} END, d.items, d.record_hash
      FROM plan pl JOIN p.disclosures d ON d.instance_id = pl.proto ORDER BY pl.n, d.id`);
    // What the store keeps for the overview as it writes events, derived here from the copied
    // history and instances as migration 4 derives it.
    db.exec(SQLITE_OVERVIEW_BACKFILL);
  })();
  db.exec('DROP TABLE plan');
  db.exec('DETACH DATABASE p');
  db.pragma('journal_mode = WAL');
  const out: ScaleDb = {
    path,
    instances: q(db, 'SELECT count(*) AS n FROM instances'),
    history: q(db, 'SELECT count(*) AS n FROM history'),
    tasks: q(db, 'SELECT count(*) AS n FROM tasks'),
    timers: q(db, 'SELECT count(*) AS n FROM timers'),
    disclosures: q(db, 'SELECT count(*) AS n FROM disclosures'),
    visits: q(db, 'SELECT count(*) AS n FROM state_visits'),
    buildSeconds: 0,
    builtAt: new Date().toISOString(),
    cached: false,
  };
  await store.close();
  out.buildSeconds = (performance.now() - t0) / 1000;
  renameSync(tmp, path);
  writeFileSync(meta, JSON.stringify(out));
  return out;
}
