// A real server for integration tests: HTTP on a free port, a fresh database, a clock the test
// moves, and tRPC clients that sign in as demo users and keep their session cookie. The store is
// the test project's: a temporary SQLite file (default), or with VILLAGEFLOW_TEST_STORE=postgres a
// database of its own on the server VILLAGEFLOW_TEST_PG_URL names (tests/pg-setup.ts), so test
// files stay isolated and may run in parallel on either store.
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createTRPCClient, httpBatchLink, httpLink, TRPCClientError } from '@trpc/client';
import type Database from 'better-sqlite3';
import pg from 'pg';
import type { AppRouter } from '../../server/routers/_app.ts';
import type { SessionPolicy } from '../../server/access/auth.ts';
import { manualClock } from '../../server/clock.ts';
import { createAppServer } from '../../server/host/http.ts';
import { createLogger, type Logger } from '../../server/log.ts';
import { Runtime } from '../../server/matters/runtime.ts';
import { Scheduler } from '../../server/matters/scheduler.ts';
import { DEMO_PASSWORD, seedDemo } from '../../server/host/seed.ts';
import { PgStore } from '../../server/store/pg/index.ts';
import { SqliteStore } from '../../server/store/sqlite/index.ts';
import type { Store } from '../../server/store/types.ts';
import { syncSql } from './sync-sql.ts';

export const TEST_STORE: 'sqlite' | 'postgres' = process.env.VILLAGEFLOW_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/**
 * The store under test and a raw SQL handle on its database, for tests that look at the rows
 * themselves. On SQLite it is the store's own better-sqlite3 handle; on PostgreSQL a synchronous
 * stand-in offering the part tests use (prepare(sql).all/get/run with `?` parameters, exec).
 */
export type TestStore = Store & { db: Database.Database };

/** Runs one statement on the test PostgreSQL server as its superuser. */
async function pgAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = process.env.VILLAGEFLOW_TEST_PG_URL;
  if (!admin) throw new Error('VILLAGEFLOW_TEST_STORE=postgres needs VILLAGEFLOW_TEST_PG_URL (set by tests/pg-setup.ts)');
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function databaseUrl(name: string): string {
  const url = new URL(process.env.VILLAGEFLOW_TEST_PG_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A new PostgreSQL database on the test server (empty, or a copy of `template`); drop() removes it again. */
export async function createTestDatabase(template?: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `villageflow_test_${randomBytes(6).toString('hex')}`;
  await pgAdmin((c) => c.query(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`));
  return { url: databaseUrl(name), drop: () => pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}) };
}

/**
 * The demo township seeded with the clock at `start` is the same database for every test server that
 * starts then, so each test run seeds it once per start and copies it for each server: an SQLite
 * file in VILLAGEFLOW_TEST_SEED_DIR (tests/global-setup.ts), a template database on PostgreSQL
 * named after VILLAGEFLOW_TEST_RUN (tests/pg-setup.ts drops them at the end). Seeding is
 * server/host/seed.ts's own, on a store as the server opens it.
 */
const SEED_PREFIX = 'villageflow_seed_';
const seedKey = (start: string) => createHash('sha256').update(new Date(start).toISOString()).digest('hex').slice(0, 16);
let localSeedDir: string | undefined;

async function seedInto(store: Store, start: string): Promise<void> {
  await store.migrate();
  await seedDemo(new Runtime(store, manualClock(start)));
  await store.close();
}

/** Copies the seeded SQLite file for `start` to `path`, seeding it first if this run has not yet. */
async function copySeededSqlite(start: string, path: string): Promise<void> {
  let dir = process.env.VILLAGEFLOW_TEST_SEED_DIR;
  if (!dir) {
    // Run without the global setup (a script of one's own): a folder for this process.
    if (!localSeedDir) {
      const own = (localSeedDir = mkdtempSync(join(tmpdir(), 'villageflow-seed-')));
      process.once('exit', () => rmSync(own, { recursive: true, force: true }));
    }
    dir = localSeedDir;
  }
  const seeded = join(dir, `demo-${seedKey(start)}.db`);
  if (!existsSync(seeded)) {
    // Two workers may seed at once: each in a file of its own, renamed in place (atomically).
    const own = `${seeded}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await seedInto(new SqliteStore(own), start); // closing checkpoints the WAL into the file
    renameSync(own, seeded);
  }
  copyFileSync(seeded, path);
}

/** The name of the template database seeded for `start`, made now if this run has not yet. */
async function seededPgTemplate(start: string): Promise<string> {
  const run = process.env.VILLAGEFLOW_TEST_RUN ?? 'adhoc';
  const name = `${SEED_PREFIX}${run}_${seedKey(start)}`;
  // One worker at a time looks for it and makes it; the others wait on the lock, then find it.
  await pgAdmin(async (c) => {
    await c.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
    try {
      if ((await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount) return;
      const own = `${name}_new`;
      await c.query(`DROP DATABASE IF EXISTS ${own} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${own}`);
      await seedInto(new PgStore(databaseUrl(own), { max: 2 }), start);
      // Only a complete seed gets the name others copy.
      await c.query(`ALTER DATABASE ${own} RENAME TO ${name}`);
    } finally {
      await c.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
    }
  });
  return name;
}

/**
 * A database with the demo township seeded at `start`, for a server process a test spawns (it then
 * skips seeding): a copy of this run's seed at `sqlitePath`, or on PostgreSQL a database of its own.
 */
export async function seededTestDatabase(start: string, sqlitePath: string): Promise<{ location: string; drop(): Promise<void> }> {
  if (TEST_STORE === 'sqlite') {
    await copySeededSqlite(start, sqlitePath);
    return { location: sqlitePath, drop: async () => {} };
  }
  const database = await createTestDatabase(await seededPgTemplate(start));
  return { location: database.url, drop: database.drop };
}

/** Drops the template databases a test run seeded (tests/pg-setup.ts, at the end of the run). */
export async function dropSeededPgTemplates(run: string): Promise<void> {
  await pgAdmin(async (c) => {
    const { rows } = await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${SEED_PREFIX}${run}_%`]);
    for (const { datname } of rows) await c.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  });
}

/** The test server's store: seeded with the demo township at `seedAt` (a copy of this run's seed), or empty. */
async function openTestStore(dbPath: string | undefined, seedAt: string | undefined): Promise<{ store: TestStore; dbPath: string; cleanup(): Promise<void> }> {
  if (TEST_STORE === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'villageflow-test-'));
    const path = dbPath ?? join(dir, 'test.db');
    // A file the test brought (a backup, an older schema) is opened as it is.
    if (seedAt && !existsSync(path)) await copySeededSqlite(seedAt, path);
    const store = new SqliteStore(path);
    return { store, dbPath: path, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (dbPath) throw new Error('startTestServer({ dbPath }) opens an SQLite file; this test belongs to the SQLite project only');
  const database = await createTestDatabase(seedAt ? await seededPgTemplate(seedAt) : undefined);
  const sql = syncSql(database.url);
  const store = Object.assign(new PgStore(database.url, { max: 5 }), { db: sql as unknown as Database.Database });
  return {
    store,
    dbPath: database.url,
    cleanup: async () => {
      sql.close();
      await database.drop();
    },
  };
}

/**
 * Starts watching the test store's database for changes, and returns a mark that moves whenever a
 * row of it may have changed, so a test that compares the database before and after a call reads it
 * again only when the mark moved. On SQLite: the rows the store's one connection changed
 * (total_changes(), triggers included), the commits of any other connection (data_version) and the
 * schema's version; `tables` is not needed. On PostgreSQL: a sequence that a statement trigger on
 * each of `tables` advances (sequences ignore rollbacks: a rolled-back change moves the mark too,
 * which costs only a fresh read).
 */
export function watchChanges(store: TestStore, tables: readonly string[]): () => string {
  const db = store.db;
  if (TEST_STORE === 'sqlite') {
    const mark = db.prepare('SELECT total_changes() AS changes, (SELECT data_version FROM pragma_data_version) AS data, (SELECT schema_version FROM pragma_schema_version) AS schema');
    return () => JSON.stringify(mark.get());
  }
  db.exec(`CREATE SEQUENCE test_changes;
    CREATE FUNCTION test_changed() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN PERFORM nextval(''test_changes''); RETURN NULL; END';
    ${tables.map((t) => `CREATE TRIGGER test_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION test_changed();`).join('\n')}`);
  return () => JSON.stringify(db.prepare('SELECT last_value, is_called FROM test_changes').get());
}

export type Client = ReturnType<typeof createTRPCClient<AppRouter>>;

/** A client keeping its cookies; with `batch`, calls made together go in one HTTP request (tRPC's batch link). */
export function clientFor(url: string, opts: { batch?: boolean } = {}): { client: Client; cookies: Map<string, string> } {
  const cookies = new Map<string, string>();
  const fetchWithCookies: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    // Node's fetch sends no Origin; the server's CSRF check wants this header instead.
    headers.set('x-villageflow', '1');
    if (cookies.size) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(input, { ...init, headers });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      if (value) cookies.set(name, value);
      else cookies.delete(name);
    }
    return res;
  };
  const link = (opts.batch ? httpBatchLink : httpLink)({ url: `${url}/trpc`, fetch: fetchWithCookies });
  return { client: createTRPCClient<AppRouter>({ links: [link] }), cookies };
}

export interface TestServer {
  url: string;
  /** The SQLite file, or the PostgreSQL database URL. */
  dbPath: string;
  clock: ReturnType<typeof manualClock>;
  runtime: Runtime;
  store: TestStore;
  scheduler: Scheduler;
  /** A client signed in as a demo user (password: the demo password). */
  as(username: string): Promise<Client>;
  /**
   * The demo user's client, kept between calls as a person keeps a phone signed in, and signed in
   * again when the server clock has moved past what the session lasts (idle or absolute limit) or
   * back before its last use (a later tick may have pruned it).
   */
  person(username: string): Promise<Client>;
  anonymous(): Client;
  close(): Promise<void>;
}

export async function startTestServer(opts: { seed?: boolean; start?: string; webRoot?: string; logger?: Logger; dbPath?: string; sessions?: SessionPolicy } = {}): Promise<TestServer> {
  const start = opts.start ?? '2026-03-02T01:00:00.000Z';
  const { store, dbPath, cleanup } = await openTestStore(opts.dbPath, opts.seed !== false ? start : undefined);
  await store.migrate();
  const clock = manualClock(start);
  const runtime = new Runtime(store, clock, opts.sessions);
  // Seeded already (a copy of this run's seed at `start`), unless the test brought its own file.
  if (opts.seed !== false) await seedDemo(runtime);
  const scheduler = new Scheduler(runtime);
  // Quiet unless VILLAGEFLOW_LOG_LEVEL asks otherwise; a test may pass its own capturing logger.
  const server = createAppServer(runtime, { webRoot: opts.webRoot, logger: opts.logger ?? createLogger({ level: process.env.VILLAGEFLOW_LOG_LEVEL ?? 'silent' }) });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const people = new Map<string, { client: Client; signedInAt: number; usedAt: number }>();
  // The server notes a session's use at most once a minute: two minutes of margin.
  const idleMs = runtime.sessions.idleMinutes * 60_000 - 2 * 60_000;
  const maxMs = runtime.sessions.maxHours * 3600_000 - 2 * 60_000;
  const signIn = async (username: string) => {
    const { client } = clientFor(url);
    await client.auth.login.mutate({ username, password: DEMO_PASSWORD });
    return client;
  };
  return {
    url,
    dbPath,
    clock,
    runtime,
    store,
    scheduler,
    as: signIn,
    async person(username) {
      const now = clock().getTime();
      let held = people.get(username);
      if (!held || now < held.usedAt || now - held.usedAt >= idleMs || now - held.signedInAt >= maxMs) {
        held = { client: await signIn(username), signedInAt: now, usedAt: now };
        people.set(username, held);
      }
      held.usedAt = now;
      return held.client;
    },
    anonymous: () => clientFor(url).client,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await scheduler.stop();
      await store.close();
      await cleanup();
    },
  };
}

/** The tRPC error code (e.g. FORBIDDEN, CONFLICT) a call failed with. */
export async function errorOf(call: Promise<unknown>): Promise<{ code: string; message: string; data: Record<string, unknown> }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCClientError) {
      const data = (error.data ?? {}) as Record<string, unknown>;
      return { code: String(data.code), message: error.message, data };
    }
    throw error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
