// A synchronous SQL handle on a PostgreSQL database, shaped like the part of better-sqlite3 the
// server tests use to look at raw rows (prepare(sql).all/get/run with `?` parameters, exec), so
// the same test files check the rows of either store. pg is asynchronous: the queries run on a
// worker thread with its own connection while the test's thread waits on Atomics.wait.
import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { numbered } from '../../server/store/sql.ts';

export interface SyncStatement {
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): { changes: number };
}
export interface SyncSql {
  prepare(sql: string): SyncStatement;
  exec(sql: string): void;
  close(): void;
}

const WORKER = `
const { workerData } = require('node:worker_threads');
const pg = require(workerData.pg);
const flag = new Int32Array(workerData.flag);
const client = new pg.Client({ connectionString: workerData.url, types: { getTypeParser: (oid, format) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format)) } });
// A dropped connection fails the next query, which is reported to the waiting thread.
client.on('error', () => {});
const ready = client.connect();
// The reply first, then the request's number in the flag: the waiting thread reads the flag.
const reply = (id, message) => {
  workerData.port.postMessage({ id, ...message });
  Atomics.store(flag, 0, id);
  Atomics.notify(flag, 0);
};
workerData.port.on('message', async ({ id, sql, params, close }) => {
  try {
    await ready;
    if (close) {
      await client.end();
      return reply(id, { rows: [], changes: 0 });
    }
    const result = await client.query(sql, params);
    reply(id, { rows: result.rows ?? [], changes: result.rowCount ?? 0 });
  } catch (error) {
    reply(id, { error: error.message });
  }
});
`;

export function syncSql(url: string): SyncSql {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { url, pg: createRequire(import.meta.url).resolve('pg'), flag: flag.buffer, port: port2 },
    transferList: [port2],
  });
  worker.unref();
  let last = 0;
  const request = (message: { sql?: string; params?: unknown[]; close?: true }): { rows: unknown[]; changes: number } => {
    const id = ++last;
    port1.postMessage({ id, ...message });
    // Wait until the flag holds this request's number: a wake-up can also come from the notify of
    // the reply before (sent after this thread had already seen its flag), so check and wait again.
    // A query that hangs (a lock held by the test's own server) must fail the test, not freeze it.
    const deadline = Date.now() + 30_000;
    for (let seen = Atomics.load(flag, 0); seen !== id; seen = Atomics.load(flag, 0)) {
      if (Date.now() > deadline || Atomics.wait(flag, 0, seen, deadline - Date.now()) === 'timed-out') {
        throw new Error(`SQL did not answer within 30 s: ${message.sql ?? 'closing'}`);
      }
    }
    const reply = receiveMessageOnPort(port1)?.message as { id: number; rows: unknown[]; changes: number; error?: string } | undefined;
    if (reply?.id !== id) throw new Error(`the SQL worker answered out of turn (request ${id}, answer ${String(reply?.id)})`);
    if (reply.error !== undefined) throw new Error(reply.error);
    return reply;
  };
  const query = (sql: string, params: unknown[]) => request({ sql: numbered(sql), params });
  return {
    prepare: (sql) => ({
      all: (...params) => query(sql, params).rows,
      get: (...params) => query(sql, params).rows[0],
      run: (...params) => ({ changes: query(sql, params).changes }),
    }),
    exec: (sql) => void query(sql, []),
    // Synchronous, so the connection is gone before the test database is dropped.
    close: () => {
      try {
        request({ close: true });
      } finally {
        port1.close();
        void worker.terminate();
      }
    },
  };
}
