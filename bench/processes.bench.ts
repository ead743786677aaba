// Send-event throughput over HTTP with one and with two server processes in front of one
// PostgreSQL database: what adding a process buys. Each process is `server/host/main.ts` as `npm start`
// runs it (migrations, the demo township seeded by the first, the timer scheduler, warn-level
// logs), on a fresh database of a throwaway PostgreSQL cluster with its durable defaults (fsync on;
// VILLAGEFLOW_BENCH_PG_URL names a server of your own instead). autocannon drives
// `instances.send` with the same total number of connections in both cases, split evenly across
// the processes as a load balancer would.
//
// Every request is a valid mutation the server must accept: the clerk of 东坪村 records a
// two-committee meeting without quorum, which sends the 五议两公开 instance back to the same step, so
// it can repeat. Each request takes an instance no other request has in flight (from one pool
// shared by both processes: any process serves any instance), with the sequence number the last
// response returned, so nothing conflicts; anything but a 200 is counted and reported.
import { cpus } from 'node:os';
import type autocannon from 'autocannon';
import pg from 'pg';
import { startCluster } from '../tests/pg-cluster.ts';
import { spawnServer, type ServerProcess } from '../tests/server/spawn-server.ts';
import { makePool, refreshPool, SECONDS, sendLoad, signIn } from './http-load.ts';
import type { Benchmark, Result } from './lib.ts';

const CONNECTIONS = 32;
/** Interleaved rounds per setting (BENCH_ROUNDS overrides); the best of each is reported. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const POOL = 2 * CONNECTIONS;

const task = (processes: number) => `send event, ${processes} process${processes === 1 ? '' : 'es'}`;

/** A fresh database on the cluster; returns its URL. */
async function createDatabase(admin: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

interface Setup {
  servers: ServerProcess[];
  /** One timed run of SECONDS against this setup's processes. */
  measure(): Promise<Result>;
}

/** `processes` servers on a fresh database, with the instance pool made and a warm-up run done. */
async function prepare(admin: string, processes: number, servers: ServerProcess[]): Promise<Setup> {
  const db = await createDatabase(admin, `villageflow_bench_${processes}`);
  // The first migrates and seeds; the others find both done.
  const own: ServerProcess[] = [];
  for (let p = 0; p < processes; p++) {
    const server = await spawnServer({ VILLAGEFLOW_DB: db });
    servers.push(server);
    own.push(server);
  }
  const urls = own.map((s) => s.url);
  // One session each, made on the first process: sessions live in the database.
  const secretary = await signIn(urls[0]!, 'dongping.secretary');
  const clerk = await signIn(urls[0]!, 'dongping.clerk');
  const pool = await makePool(urls, secretary, POOL);
  // Requests cut off when a run stopped may still be applied after it: let them land, then read
  // every seq back.
  const refresh = async () => {
    await new Promise((r) => setTimeout(r, 1000));
    await refreshPool(urls[0]!, pool, clerk);
  };
  await refresh();
  await sendLoad(urls, CONNECTIONS / urls.length, clerk, pool, 1);
  return {
    servers: own,
    async measure() {
      await refresh();
      const { runs, lost } = await sendLoad(urls, CONNECTIONS / urls.length, clerk, pool, SECONDS);
      const ok = runs.reduce((n, r) => n + r['2xx'], 0);
      const seconds = Math.max(...runs.map((r) => r.duration));
      const perSec = ok / seconds;
      const latency = (pick: (r: autocannon.Result) => number) => Math.max(...runs.map(pick));
      return {
        bench: 'processes',
        task: task(processes),
        unit: 'events',
        perOp: 1,
        input: CONNECTIONS,
        inputUnit: `connections, ${POOL} instances`,
        opsPerSec: perSec,
        itemsPerSec: perSec,
        usPerItem: 1e6 / perSec,
        rmePct: Math.max(...runs.map((r) => (r.requests.average ? (100 * r.requests.stddev) / r.requests.average : 0))),
        samples: ok,
        extra: {
          processes,
          p50Ms: latency((r) => r.latency.p50),
          p99Ms: latency((r) => r.latency.p99),
          maxMs: latency((r) => r.latency.max),
          non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
          errors: runs.reduce((n, r) => n + r.errors, 0),
          timeouts: runs.reduce((n, r) => n + r.timeouts, 0),
          lostInstances: lost,
          seconds,
        },
      };
    },
  };
}

const bench: Benchmark = {
  name: 'processes',
  description: `instances.send over HTTP with 1 and 2 server processes on one PostgreSQL (durable settings), ${CONNECTIONS} connections split across them, best of ${ROUNDS} interleaved ${SECONDS} s rounds`,
  async run(): Promise<Result[]> {
    const cluster = process.env.VILLAGEFLOW_BENCH_PG_URL ? null : await startCluster({ durable: true });
    const admin = process.env.VILLAGEFLOW_BENCH_PG_URL ?? cluster!.url;
    const servers: ServerProcess[] = [];
    try {
      const setups = [await prepare(admin, 1, servers), await prepare(admin, 2, servers)];
      // Interleaved rounds, the best of each kept: a machine busy with other work slows a round,
      // not one of the two settings throughout.
      const best: Result[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        for (const [i, setup] of setups.entries()) {
          const r = await setup.measure();
          r.extra!.rounds = ROUNDS;
          if (!best[i] || r.itemsPerSec > best[i]!.itemsPerSec) best[i] = r;
        }
      }
      return best;
    } finally {
      await Promise.all(servers.map((s) => s.kill()));
      cluster?.stop();
    }
  },
  summarize(results) {
    const lines = results.map((r) => {
      const e = r.extra!;
      const failed = e.non2xx! + e.errors! + e.timeouts!;
      return `${r.task}: ${Math.round(r.itemsPerSec).toLocaleString('en-US')} events/s, p50 ${e.p50Ms} ms, p99 ${e.p99Ms} ms; ${failed === 0 ? 'no errors' : `${e.non2xx} non-2xx, ${e.errors} errors, ${e.timeouts} timeouts`}`;
    });
    const [one, two] = [results.find((r) => r.extra?.processes === 1), results.find((r) => r.extra?.processes === 2)];
    if (one && two) lines.push(`two processes: ${(two.itemsPerSec / one.itemsPerSec).toFixed(2)}× the events/s of one (${cpus().length} cores here, shared by the load generator, the servers and PostgreSQL)`);
    return lines;
  },
};
export default bench;
