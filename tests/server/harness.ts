// A real server for integration tests: HTTP on a free port, a fresh database, a clock the test
// moves, and tRPC clients that sign in as demo users and keep their session cookie. The store is
// the test project's: a temporary SQLite file (default), or with VILLAGEFLOW_TEST_STORE=postgres a
// database of its own on the server VILLAGEFLOW_TEST_PG_URL names (tests/pg-setup.ts), so test
// files stay isolated and may run in parallel on either store.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import type Database from 'better-sqlite3';
import pg from 'pg';
import type { AppRouter } from '../../server/routers/_app.ts';
import type { SessionPolicy } from '../../server/auth.ts';
import { manualClock } from '../../server/clock.ts';
import { createAppServer } from '../../server/http.ts';
import { createLogger, type Logger } from '../../server/log.ts';
import { Runtime } from '../../server/runtime.ts';
import { Scheduler } from '../../server/scheduler.ts';
import { DEMO_PASSWORD, seedDemo } from '../../server/seed.ts';
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

/** A new, empty PostgreSQL database on the test server; drop() removes it again. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.VILLAGEFLOW_TEST_PG_URL;
  if (!admin) throw new Error('VILLAGEFLOW_TEST_STORE=postgres needs VILLAGEFLOW_TEST_PG_URL (set by tests/pg-setup.ts)');
  const name = `villageflow_test_${randomBytes(6).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function openTestStore(dbPath: string | undefined): Promise<{ store: TestStore; dbPath: string; cleanup(): Promise<void> }> {
  if (TEST_STORE === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'villageflow-test-'));
    const path = dbPath ?? join(dir, 'test.db');
    const store = new SqliteStore(path);
    return { store, dbPath: path, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (dbPath) throw new Error('startTestServer({ dbPath }) opens an SQLite file; this test belongs to the SQLite project only');
  const database = await createTestDatabase();
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

export type Client = ReturnType<typeof createTRPCClient<AppRouter>>;

export function clientFor(url: string): { client: Client; cookies: Map<string, string> } {
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
  return { client: createTRPCClient<AppRouter>({ links: [httpLink({ url: `${url}/trpc`, fetch: fetchWithCookies })] }), cookies };
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
  const { store, dbPath, cleanup } = await openTestStore(opts.dbPath);
  await store.migrate();
  const clock = manualClock(opts.start ?? '2026-03-02T01:00:00.000Z');
  const runtime = new Runtime(store, clock, opts.sessions);
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
