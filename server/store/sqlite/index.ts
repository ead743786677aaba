// The embedded SQLite store (better-sqlite3): WAL, synchronous=FULL, foreign keys on. Its queries
// are the one store's (../store.ts); here they are executed (synchronously: better-sqlite3 has one
// connection and blocks), and events are written with a group commit. Every write that belongs
// together runs in one transaction; a stale sequence number aborts with ConflictError.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConflictError, NotFoundError, type CatalogueStart, type EventWrite, type Store } from '../types.ts';
import { migrationsFor } from '../migrations.ts';
import { deadlineFired, ratingScore } from '../overview.ts';
import * as rows from './rows.ts';
import * as q from '../sql.ts';
import { driveSync, sqlite, type Query, type Row, type Tx } from '../sql.ts';
import { SqlStore, type InstanceKey } from '../store.ts';

/** Thrown inside a batch when a write failed after changing rows: the batch is rolled back whole. */
class HalfWritten extends Error {}
/** A write to a table a body's roster is read from: it moves rosterMark, and the kept rosters are read again. */
const ROSTER_WRITE = /^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(?:users|user_roles|body_counts)\b/i;

/** Group commit: the longest a queued event write waits for others, and the most in one commit. */
const GROUP_MAX_WAIT_MS = 2;
const GROUP_MAX_WRITES = 256;

export class SqliteStore extends SqlStore {
  readonly db: Database.Database;
  protected readonly d = sqlite;
  private statements = new Map<string, Database.Statement>();
  private rawStatements = new Map<string, Database.Statement>();

  constructor(path: string) {
    super();
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // FULL: a commit survives power loss, not only a crashed process; acknowledged means durable.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
  }

  private st(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      this.statements.set(sql, (s = this.db.prepare(sql)));
      if (ROSTER_WRITE.test(sql)) this.rosterStatements.add(s);
    }
    return s;
  }
  /** The same text prepared apart, returning rows as arrays (raw mode belongs to a statement). */
  private rawSt(sql: string): Database.Statement {
    let s = this.rawStatements.get(sql);
    if (!s) this.rawStatements.set(sql, (s = this.db.prepare(sql).raw(true)));
    return s;
  }

  private exec = (query: Query): unknown => {
    if (query.mode === 'rows') return this.rawSt(query.sql).all(...query.params);
    const statement = this.st(query.sql);
    if (this.rosterStatements.has(statement)) this.rosterWrites++;
    switch (query.mode) {
      case 'all':
        return statement.all(...query.params);
      case 'get':
        return statement.get(...query.params);
      case 'run':
        return statement.run(...query.params).changes;
    }
  };
  protected query(query: Query): unknown {
    return this.exec(query);
  }
  protected async transaction<T>(body: () => Tx<T>): Promise<T> {
    return this.db.transaction(() => driveSync(body(), this.exec))();
  }
  /** This connection's writes to the roster tables (counted in exec), for rosterMark; the statements that make them, known when prepared. */
  private rosterWrites = 0;
  private rosterStatements = new WeakSet<Database.Statement>();
  private dataVersion: Database.Statement | undefined;
  /**
   * Moves with this connection's writes to the roster tables and with any other connection's commit
   * (data_version: another process on the file, the CLI). Statements run synchronously on the one
   * connection, so no read of a roster overlaps a write.
   */
  protected override rosterMark(): string {
    return `${this.rosterWrites}:${(this.dataVersion ??= this.db.prepare('PRAGMA data_version').pluck()).get() as number}`;
  }

  async migrate(): Promise<number> {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const applied = new Set((this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
    let count = 0;
    for (const m of migrationsFor('sqlite')) {
      if (applied.has(m.version)) continue;
      this.db.transaction(() => {
        this.db.exec(m.sql);
        this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
      })();
      count++;
    }
    return count;
  }

  async close(): Promise<void> {
    // Writes already accepted by appendEvent/createInstance are committed, not dropped.
    if (this.queued.length) this.commitQueued();
    this.db.close();
  }

  // Group commit. With synchronous=FULL every COMMIT waits for an fsync (blocking the event loop,
  // better-sqlite3 being synchronous), which bounds one-by-one writes to a few thousand a second.
  // Event writes (appendEvent, createInstance) are queued instead and committed together a turn or
  // two of the event loop later (setImmediate: after that turn's I/O callbacks, so requests that
  // arrived together share a commit). A write that fails (a stale sequence number, a constraint)
  // is rolled back alone and rejects alone, the others commit; every promise settles only after
  // the COMMIT has returned. A lone write is one plain transaction, as before.
  /** Event writes and the COMMITs that carried them, since the store opened (the server logs them at shutdown). */
  readonly commitStats = { commits: 0, writes: 0, largest: 0 };
  private queued: { write: () => void; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private flushScheduled = false;
  /** When the oldest queued write arrived, and how many were queued at the last turn. */
  private batchOpenedAt = 0;
  private queuedAtLastTurn = 0;

  private groupCommit(write: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push({ write, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        this.batchOpenedAt = performance.now();
        this.queuedAtLastTurn = 0;
        setImmediate(this.onTurn);
      }
    });
  }

  // Under load the requests of the next batch reach the store over several turns of the loop (the
  // COMMIT before blocked it), so the batch stays open while each turn brings more writes, up to
  // GROUP_MAX_WAIT_MS after its first one. A write alone at the first turn commits at once: under
  // load the turn after a COMMIT finds many, and waiting on a lone one only added its latency (one
  // awaited write at a time: 83-96% of the raw limit, was 78-82%).
  private onTurn = () => {
    const n = this.queued.length;
    if (n > 1 && n > this.queuedAtLastTurn && n < GROUP_MAX_WRITES && performance.now() - this.batchOpenedAt < GROUP_MAX_WAIT_MS) {
      this.queuedAtLastTurn = n;
      setImmediate(this.onTurn);
      return;
    }
    this.commitQueued();
  };

  private commitQueued() {
    this.flushScheduled = false;
    const batch = this.queued;
    this.queued = [];
    if (batch.length === 0) return;
    this.commitStats.commits++;
    this.commitStats.writes += batch.length;
    this.commitStats.largest = Math.max(this.commitStats.largest, batch.length);
    if (batch.length === 1) {
      const only = batch[0]!;
      try {
        this.db.transaction(only.write)();
      } catch (err) {
        return only.reject(err);
      }
      return only.resolve();
    }
    // Most failures (a stale sequence number, a missing instance) happen before the write has
    // changed a row, and a failed statement leaves nothing behind, so the batch runs without
    // savepoints. Only when a write fails after changing rows is the batch rolled back whole and
    // run again with a SAVEPOINT per write, which costs about as much as the writes themselves.
    const failed = this.runBatch(batch, false) ?? this.runBatch(batch, true);
    if (failed instanceof Map) batch.forEach((w, i) => (failed.has(i) ? w.reject(failed.get(i)) : w.resolve()));
  }

  /** The batch's transaction, made once (the connection exists only after the constructor). */
  private batchTransactionFn?: (batch: { write: () => void }[], savepoints: boolean, failed: Map<number, unknown>) => void;
  private batchTransaction(batch: { write: () => void }[], savepoints: boolean, failed: Map<number, unknown>) {
    if (!this.batchTransactionFn) {
      const totalChanges = this.db.prepare('SELECT total_changes()').pluck();
      // Nested in a transaction, better-sqlite3 runs a transaction function as a SAVEPOINT.
      const inSavepoint = this.db.transaction((write: () => void) => write());
      this.batchTransactionFn = this.db.transaction((b: { write: () => void }[], withSavepoints: boolean, f: Map<number, unknown>) => {
        b.forEach((w, i) => {
          const before = withSavepoints ? 0 : (totalChanges.get() as number);
          try {
            if (withSavepoints) inSavepoint(w.write);
            else w.write();
          } catch (err) {
            if (!withSavepoints && totalChanges.get() !== before) throw new HalfWritten();
            f.set(i, err);
          }
        });
      });
    }
    this.batchTransactionFn(batch, savepoints, failed);
  }

  /**
   * Runs the batch in one transaction: the failed writes by index once it committed, null when a
   * write failed half-way without savepoints (nothing committed; run it again with them), or
   * 'rejected' when the transaction itself failed and every write was rejected.
   */
  private runBatch(batch: { write: () => void; reject: (err: unknown) => void }[], savepoints: boolean): Map<number, unknown> | null | 'rejected' {
    const failed = new Map<number, unknown>();
    try {
      this.batchTransaction(batch, savepoints, failed);
      return failed;
    } catch (err) {
      if (err instanceof HalfWritten) return null;
      // The COMMIT itself failed: nothing of the batch is stored.
      for (const w of batch) w.reject(err);
      return 'rejected';
    }
  }

  /** The writes one accepted event causes beside the instance row, inside the caller's transaction. */
  private *writeEvent(instance: InstanceKey, w: Omit<EventWrite, 'expectedSeq' | 'instanceId'>): Tx<void> {
    yield q.run('INSERT INTO history (instance_id, seq, type, actor_id, role, at, payload, state, prev, hash, calendars) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', instance.id, ...SqlStore.recordValues(w.record));
    yield* this.writeEffects(instance, w);
    if (w.personal) for (const v of w.personal) yield q.run(`INSERT INTO personal_values (${rows.personalColumns}) VALUES (?, ?, ?, ?, ?, ?, ?)`, ...rows.personalRow(instance.id, v));
    yield q.run('DELETE FROM tasks WHERE instance_id = ?', instance.id);
    for (const t of w.tasks) {
      for (const role of t.roles) {
        yield q.run(
          'INSERT INTO tasks (instance_id, role, village_id, township_id, flow_id, title, state, since, due, overdue) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          instance.id, role, instance.villageId, instance.townshipId, instance.flowId, instance.title, t.state, t.since, t.due, t.overdue ? 1 : 0,
        );
      }
    }
  }

  async createInstance(i: Parameters<Store['createInstance']>[0], first: Parameters<Store['createInstance']>[1], catalogueStart?: CatalogueStart) {
    const self = this;
    return this.groupCommit(() =>
      driveSync(
        (function* () {
          yield* self.insertInstance(i, first, catalogueStart);
          yield* self.writeEvent(i, first);
        })(),
        this.exec,
      ),
    );
  }

  async appendEvent(w: EventWrite & { title?: string }) {
    const self = this;
    return this.groupCommit(() => driveSync(self.eventBody(w), this.exec));
  }

  private *eventBody(w: EventWrite & { title?: string }): Tx<void> {
    const s = w.snapshot;
    // With the instance, what the overview keeps of it (instance_stats): see keepOverviewStats.
    const current = (yield q.get(
      `SELECT i.id, i.village_id, i.township_id, i.flow_id, i.title, o.state AS o_state, o.status AS o_status, o.flow_version_id AS o_flow_version_id, o.score AS o_score, o.late AS o_late, o.entered_ms AS o_entered_ms
       FROM instances i LEFT JOIN instance_stats o ON o.township_id = i.township_id AND o.instance_id = i.id WHERE i.id = ?`,
      w.instanceId,
    )) as Row | undefined;
    if (!current) throw new NotFoundError(`instance ${w.instanceId} does not exist`);
    const title = w.title ?? (current.title as string);
    const changed = (yield q.run(
      'UPDATE instances SET state = ?, status = ?, outcome = ?, seq = ?, head = ?, snapshot = ?, title = ?, updated_at = ? WHERE id = ? AND seq = ?',
      s.state, s.status, s.outcome, s.seq, s.hash, JSON.stringify(s), title, w.record.at, w.instanceId, w.expectedSeq,
    )) as number;
    if (changed !== 1) {
      throw new ConflictError(`instance ${w.instanceId} has moved on since sequence number ${w.expectedSeq}; reload and try again`);
    }
    if (w.flowVersionId !== undefined) yield q.run('UPDATE instances SET flow_version_id = ? WHERE id = ?', w.flowVersionId, w.instanceId);
    yield* this.keepOverviewStats(current, w);
    yield* this.writeEvent({ id: w.instanceId, villageId: current.village_id as string, townshipId: current.township_id as string, flowId: current.flow_id as string, title }, w);
  }

  /**
   * The overview's rows for an accepted event: a record in a new state ends the visit of the old one
   * (one state_visits row) and the instance's stats row changes only when what it holds does (the
   * state, status, flow version, rating score, a deadline fired). Most records of a step write
   * nothing here. `current` is the instance row joined with its instance_stats row (o_*).
   */
  private *keepOverviewStats(current: Row, w: EventWrite): Tx<void> {
    if (current.o_state === null || current.o_state === undefined) return; // no stats row: nothing to keep
    const r = w.record;
    const state = current.o_state as string;
    const moved = r.state !== state;
    const atMs = moved ? Date.parse(r.at) : 0;
    const enteredMs = current.o_entered_ms as number | null;
    if (moved && enteredMs !== null) {
      yield q.run(
        'INSERT INTO state_visits (township_id, flow_id, state, village_id, ms, instance_id, left_seq) VALUES (?, ?, ?, ?, ?, ?, ?)',
        current.township_id, current.flow_id, state, current.village_id, atMs - enteredMs, w.instanceId, r.seq,
      );
    }
    const score = ratingScore(w.snapshot);
    const late = current.o_late === 1 || deadlineFired(r);
    const flowVersionId = w.flowVersionId ?? (current.o_flow_version_id as number);
    if (moved || w.snapshot.status !== current.o_status || score !== current.o_score || late !== (current.o_late === 1) || flowVersionId !== current.o_flow_version_id) {
      yield q.run(
        'UPDATE instance_stats SET state = ?, status = ?, flow_version_id = ?, score = ?, late = ?, entered_ms = ? WHERE township_id = ? AND instance_id = ?',
        r.state, w.snapshot.status, flowVersionId, score, late ? 1 : 0, moved ? atMs : enteredMs, current.township_id, w.instanceId,
      );
    }
  }
}
