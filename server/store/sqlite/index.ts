// The embedded SQLite store (better-sqlite3): WAL, synchronous=FULL, foreign keys on. Every write
// that belongs together runs in one transaction; a stale sequence number aborts with ConflictError.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HistoryRecord } from '../../../engine/index.ts';
import { ConflictError, NotFoundError, type AuditEntry, type CatalogueItem, type CatalogueStart, type Session, type EventWrite, type Instance, type Store, type User, type UserWithSecret, type RoleGrant, type SignIn, type InboxScope, type InstanceFilter, type OverviewVisitsRow } from '../types.ts';
import { MIGRATIONS } from './migrations.ts';
import { ascending, deadlineFired, integers, ratingScore } from '../overview.ts';
import * as rows from './rows.ts';
import { changeSets } from '../changes.ts';
import { CALENDAR_ADOPT_SQL, CALENDAR_INSERT_SQL, CALENDAR_YEARS_SQL, calendarOfRow, calendarRow, currentYears, sqliteParams } from '../calendars.ts';
import type { CalendarVersion } from '../../../engine/index.ts';

type Row = Record<string, unknown>;

/**
 * An instance whose snapshot (kilobytes of JSON) is parsed when first read. The public board and
 * the inbox load an instance per row for its flow version or step and mostly never read the
 * snapshot; parsing it was most of their time. Reading, spreading or serialising the instance
 * parses it, so callers see a plain Instance.
 */
function lazySnapshot(r: Row): Instance {
  const text = r.snapshot as string;
  const instance = rows.instance({ ...r, snapshot: 'null' });
  let parsed: Instance['snapshot'] | undefined;
  Object.defineProperty(instance, 'snapshot', {
    enumerable: true,
    configurable: true,
    get: () => (parsed ??= JSON.parse(text) as Instance['snapshot']),
    set: (value: Instance['snapshot']) => void (parsed = value),
  });
  return instance;
}

/** Thrown inside a batch when a write failed after changing rows: the batch is rolled back whole. */
class HalfWritten extends Error {}

/** Group commit: the longest a queued event write waits for others, and the most in one commit. */
const GROUP_MAX_WAIT_MS = 2;
const GROUP_MAX_WRITES = 256;

export class SqliteStore implements Store {
  readonly db: Database.Database;
  private statements = new Map<string, Database.Statement>();

  constructor(path: string) {
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
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }
  private all(sql: string, ...params: unknown[]): Row[] {
    return this.st(sql).all(...params) as Row[];
  }
  private get(sql: string, ...params: unknown[]): Row | undefined {
    return this.st(sql).get(...params) as Row | undefined;
  }
  private run(sql: string, ...params: unknown[]) {
    return this.st(sql).run(...params);
  }

  async migrate(): Promise<number> {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const applied = new Set((this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
    let count = 0;
    for (const m of MIGRATIONS) {
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

  async createTownship(t: { id: string; name: string }) {
    this.run('INSERT INTO townships (id, name) VALUES (?, ?)', t.id, t.name);
  }
  async getTownship(id: string) {
    const r = this.get('SELECT id, name FROM townships WHERE id = ?', id);
    return r ? { id: r.id as string, name: r.name as string } : null;
  }
  async createVillage(v: { id: string; townshipId: string; name: string; kind: 'village' | 'community' }) {
    this.run('INSERT INTO villages (id, township_id, name, kind) VALUES (?, ?, ?, ?)', v.id, v.townshipId, v.name, v.kind);
  }
  async getVillage(id: string) {
    const r = this.get('SELECT * FROM villages WHERE id = ?', id);
    return r ? rows.village(r) : null;
  }
  async listVillages(townshipId: string) {
    return this.all('SELECT * FROM villages WHERE township_id = ? ORDER BY id', townshipId).map(rows.village);
  }

  private rolesOf(userId: string): RoleGrant[] {
    return this.all('SELECT role, village_id FROM user_roles WHERE user_id = ? ORDER BY coalesce(village_id, \'\'), role', userId).map((r) => ({
      role: r.role as RoleGrant['role'],
      villageId: (r.village_id as string | null) ?? null,
    }));
  }
  private user(r: Row): User {
    return {
      id: r.id as string,
      townshipId: r.township_id as string,
      username: r.username as string,
      displayName: r.display_name as string,
      roles: this.rolesOf(r.id as string),
      mustChangePassword: r.must_change_password === 1,
      mobile: (r.mobile as string | null) ?? null,
      deactivatedAt: (r.deactivated_at as string | null) ?? null,
    };
  }
  async createUser(u: Parameters<Store['createUser']>[0]) {
    this.db.transaction(() => {
      this.run(
        'INSERT INTO users (id, township_id, username, display_name, password_hash, must_change_password, mobile) VALUES (?, ?, ?, ?, ?, ?, ?)',
        u.id, u.townshipId, u.username, u.displayName, u.passwordHash, u.mustChangePassword ? 1 : 0, u.mobile ?? null,
      );
      this.insertRoles(u.id, u.roles);
    })();
  }
  async createUsers(users: Parameters<Store['createUsers']>[0], audits: Parameters<Store['createUsers']>[1]) {
    try {
      this.db.transaction(() => {
        for (const u of users) {
          this.run(
            'INSERT INTO users (id, township_id, username, display_name, password_hash, must_change_password, mobile) VALUES (?, ?, ?, ?, ?, ?, ?)',
            u.id, u.townshipId, u.username, u.displayName, u.passwordHash, u.mustChangePassword ? 1 : 0, u.mobile ?? null,
          );
          this.insertRoles(u.id, u.roles);
        }
        for (const e of audits) this.insertAudit(e);
      })();
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new ConflictError('a user name or mobile number is taken already; nobody was added');
      throw error;
    }
  }
  private insertRoles(userId: string, roles: RoleGrant[]) {
    for (const g of roles) this.run('INSERT INTO user_roles (user_id, role, village_id) VALUES (?, ?, ?)', userId, g.role, g.villageId);
  }
  async getUser(id: string) {
    const r = this.get('SELECT * FROM users WHERE id = ?', id);
    return r ? this.user(r) : null;
  }
  async getUserByUsername(username: string) {
    const r = this.get('SELECT * FROM users WHERE username = ?', username);
    return r ? { ...this.user(r), passwordHash: r.password_hash as string } : null;
  }
  async listUsers(townshipId: string) {
    return this.all('SELECT * FROM users WHERE township_id = ? ORDER BY username', townshipId).map((r) => this.user(r));
  }
  async setRoles(userId: string, roles: RoleGrant[]) {
    this.db.transaction(() => {
      this.run('DELETE FROM user_roles WHERE user_id = ?', userId);
      this.insertRoles(userId, roles);
    })();
  }
  async setPassword(userId: string, passwordHash: string, mustChange: boolean) {
    this.run('UPDATE users SET password_hash = ?, must_change_password = ? WHERE id = ?', passwordHash, mustChange ? 1 : 0, userId);
  }

  async updateUser(id: string, change: { displayName?: string; mobile?: string | null; deactivatedAt?: string | null }) {
    const sets = changeSets(change, { displayName: 'display_name', mobile: 'mobile', deactivatedAt: 'deactivated_at' });
    if (!sets.columns.length) return;
    try {
      this.run(`UPDATE users SET ${sets.columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`, ...sets.values, id);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new ConflictError(`mobile ${change.mobile} is another user's`);
      throw error;
    }
  }
  async getUserByMobile(mobile: string) {
    const r = this.get('SELECT * FROM users WHERE mobile = ?', mobile);
    return r ? { ...this.user(r), passwordHash: r.password_hash as string } : null;
  }
  async updateVillage(id: string, change: { name?: string; archivedAt?: string | null }) {
    const sets = changeSets(change, { name: 'name', archivedAt: 'archived_at' });
    if (sets.columns.length) this.run(`UPDATE villages SET ${sets.columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`, ...sets.values, id);
  }
  async recordSignIn(userId: string, s: SignIn) {
    this.run('INSERT INTO sign_ins (user_id, at, address) VALUES (?, ?, ?)', userId, s.at, s.address);
  }
  async signIns(userId: string, limit: number) {
    return this.all('SELECT at, address FROM sign_ins WHERE user_id = ? ORDER BY at DESC LIMIT ?', userId, limit).map((r) => ({ at: r.at as string, address: r.address as string }));
  }
  async createSetupToken(tokenHash: string, at: string) {
    this.run('INSERT INTO setup_tokens (token_hash, created_at) VALUES (?, ?)', tokenHash, at);
  }
  async setupTokenOpen(tokenHash: string) {
    return !!this.get('SELECT 1 FROM setup_tokens WHERE token_hash = ? AND used_at IS NULL', tokenHash);
  }
  async useSetupToken(tokenHash: string, at: string) {
    return this.run('UPDATE setup_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL', at, tokenHash).changes === 1;
  }

  async createSession(s: Session) {
    this.run('INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)', s.tokenHash, s.userId, s.createdAt, s.lastSeenAt, s.expiresAt);
  }
  async getSession(tokenHash: string) {
    const r = this.get('SELECT * FROM sessions WHERE token_hash = ?', tokenHash);
    return r ? rows.session(r) : null;
  }
  async deleteSession(tokenHash: string) {
    this.run('DELETE FROM sessions WHERE token_hash = ?', tokenHash);
  }
  async deleteSessionsOf(userId: string, keep: string | null) {
    this.run('DELETE FROM sessions WHERE user_id = ? AND token_hash IS NOT ?', userId, keep);
  }
  async touchSession(tokenHash: string, at: string) {
    this.run('UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?', at, tokenHash);
  }
  async recordLoginFailure(key: string, at: string) {
    this.run('INSERT INTO login_failures (key, at) VALUES (?, ?)', key, at);
  }
  async loginFailures(key: string, since: string) {
    const r = this.get('SELECT count(*) AS n, max(at) AS last FROM login_failures WHERE key = ? AND at >= ?', key, since)!;
    return { count: r.n as number, last: (r.last as string | null) ?? null };
  }
  async pruneSignIns(p: { now: string; idleBefore: string; failuresBefore: string }) {
    return this.db.transaction(() => ({
      sessions: this.run('DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?', p.now, p.idleBefore).changes,
      loginFailures: this.run('DELETE FROM login_failures WHERE at < ?', p.failuresBefore).changes,
    }))();
  }
  async clearLoginFailures(key: string) {
    this.run('DELETE FROM login_failures WHERE key = ?', key);
  }

  async saveDraft(v: { townshipId: string; flowId: string; version: string; json: string; hash: string; title: string; createdBy: string; createdAt: string }) {
    return this.db.transaction(() => {
      const existing = this.get('SELECT * FROM flow_versions WHERE township_id = ? AND flow_id = ? AND version = ?', v.townshipId, v.flowId, v.version);
      if (existing && existing.status === 'published') {
        throw new ConflictError(`${v.flowId} version ${v.version} is already published; drafts need a new version number`);
      }
      if (existing) {
        this.run('UPDATE flow_versions SET json = ?, hash = ?, title = ?, created_by = ?, created_at = ? WHERE id = ?', v.json, v.hash, v.title, v.createdBy, v.createdAt, existing.id);
        return rows.flowVersion(this.get('SELECT * FROM flow_versions WHERE id = ?', existing.id)!);
      }
      const info = this.run(
        "INSERT INTO flow_versions (township_id, flow_id, version, status, json, hash, title, created_by, created_at) VALUES (?, ?, ?, 'draft', ?, ?, ?, ?, ?)",
        v.townshipId, v.flowId, v.version, v.json, v.hash, v.title, v.createdBy, v.createdAt,
      );
      return rows.flowVersion(this.get('SELECT * FROM flow_versions WHERE id = ?', info.lastInsertRowid)!);
    })();
  }
  async publish(id: number, by: string, at: string) {
    return this.db.transaction(() => {
      const r = this.get('SELECT * FROM flow_versions WHERE id = ?', id);
      if (!r) throw new NotFoundError(`flow version ${id} does not exist`);
      if (r.status === 'published') throw new ConflictError(`${r.flow_id} version ${r.version} is already published`);
      this.run("UPDATE flow_versions SET status = 'published', published_by = ?, published_at = ? WHERE id = ?", by, at, id);
      return rows.flowVersion(this.get('SELECT * FROM flow_versions WHERE id = ?', id)!);
    })();
  }
  async getFlowVersion(id: number) {
    const r = this.get('SELECT * FROM flow_versions WHERE id = ?', id);
    return r ? rows.flowVersion(r) : null;
  }
  async findFlowVersion(townshipId: string, flowId: string, version: string) {
    const r = this.get('SELECT * FROM flow_versions WHERE township_id = ? AND flow_id = ? AND version = ?', townshipId, flowId, version);
    return r ? rows.flowVersion(r) : null;
  }
  async listFlowVersions(townshipId: string, flowId?: string) {
    return (flowId
      ? this.all('SELECT * FROM flow_versions WHERE township_id = ? AND flow_id = ? ORDER BY id', townshipId, flowId)
      : this.all('SELECT * FROM flow_versions WHERE township_id = ? ORDER BY flow_id, id', townshipId)
    ).map(rows.flowVersion);
  }
  async publishedVersionIds(townshipId: string) {
    return this.all("SELECT id FROM flow_versions WHERE township_id = ? AND status = 'published' ORDER BY id", townshipId).map((r) => Number(r.id));
  }
  async latestPublished(townshipId: string, flowId: string) {
    const r = this.get("SELECT * FROM flow_versions WHERE township_id = ? AND flow_id = ? AND status = 'published' ORDER BY published_at DESC, id DESC LIMIT 1", townshipId, flowId);
    return r ? rows.flowVersion(r) : null;
  }
  async setFlowVillages(townshipId: string, flowId: string, villageIds: string[]) {
    this.db.transaction(() => {
      this.run('DELETE FROM flow_villages WHERE township_id = ? AND flow_id = ?', townshipId, flowId);
      for (const v of villageIds) this.run('INSERT INTO flow_villages (township_id, flow_id, village_id) VALUES (?, ?, ?)', townshipId, flowId, v);
    })();
  }
  async flowVillages(townshipId: string, flowId: string) {
    return this.all('SELECT village_id FROM flow_villages WHERE township_id = ? AND flow_id = ? ORDER BY village_id', townshipId, flowId).map((r) => r.village_id as string);
  }
  async flowsForVillage(villageId: string) {
    return this.all(
      `SELECT fv.* FROM flow_villages a JOIN villages v ON v.id = a.village_id AND v.township_id = a.township_id
       JOIN flow_versions fv ON fv.id = (SELECT id FROM flow_versions x WHERE x.township_id = a.township_id AND x.flow_id = a.flow_id
         AND x.status = 'published' ORDER BY x.published_at DESC, x.id DESC LIMIT 1)
       WHERE a.village_id = ? ORDER BY fv.flow_id`,
      villageId,
    ).map(rows.flowVersion);
  }

  /** The writes one accepted event causes, inside the caller's transaction. */
  private writeEvent(instance: { id: string; villageId: string; townshipId: string; flowId: string; title: string }, w: Omit<EventWrite, 'expectedSeq' | 'instanceId'>) {
    const r = w.record;
    this.run(
      'INSERT INTO history (instance_id, seq, type, actor_id, role, at, payload, state, prev, hash, calendars) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      instance.id, r.seq, r.type, r.actor.id, r.actor.role, r.at, JSON.stringify(r.payload), r.state, r.prev, r.hash, r.calendars ? JSON.stringify(r.calendars) : null,
    );
    for (const e of w.effects) {
      if (e.type === 'timer.schedule') {
        this.run('INSERT INTO timers (instance_id, timer_id, due) VALUES (?, ?, ?) ON CONFLICT (instance_id, timer_id) DO UPDATE SET due = excluded.due', instance.id, e.timer, e.due);
      } else if (e.type === 'timer.cancel') {
        this.run('DELETE FROM timers WHERE instance_id = ? AND timer_id = ?', instance.id, e.timer);
      } else if (e.type === 'disclosure.publish') {
        this.run(
          'INSERT INTO disclosures (instance_id, village_id, flow_id, title, state, from_at, until_at, items, record_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          instance.id, instance.villageId, instance.flowId, instance.title, e.state, e.from, e.until, JSON.stringify(e.items), r.hash,
        );
      } else if (e.type === 'disclosure.end') {
        this.run('UPDATE disclosures SET ended_at = ? WHERE instance_id = ? AND state = ? AND ended_at IS NULL', e.at, instance.id, e.state);
      } else if (e.type === 'disclosure.reschedule') {
        this.run('UPDATE disclosures SET until_at = ? WHERE instance_id = ? AND state = ? AND ended_at IS NULL', e.until, instance.id, e.state);
      } else if (e.type === 'ballot.deposit') {
        this.run('INSERT INTO ballot_box (instance_id, ballot_id, choice) VALUES (?, ?, ?)', instance.id, e.ballot.id, e.ballot.choice);
      } else if (e.type === 'ballot.empty') {
        // Zeroed as they are deleted: a freed cell keeps its bytes, and the cells of a page lie in
        // the order they were written, which is the order of casting (docs/secret-ballots.md).
        this.db.pragma('secure_delete = ON');
        try {
          this.run('DELETE FROM ballot_box WHERE instance_id = ?', instance.id);
        } finally {
          this.db.pragma('secure_delete = OFF');
        }
      }
    }
    if (w.personal) for (const v of w.personal) this.run(`INSERT INTO personal_values (${rows.personalColumns}) VALUES (?, ?, ?, ?, ?, ?, ?)`, ...rows.personalRow(instance.id, v));
    this.run('DELETE FROM tasks WHERE instance_id = ?', instance.id);
    for (const t of w.tasks) {
      for (const role of t.roles) {
        this.run(
          'INSERT INTO tasks (instance_id, role, village_id, township_id, flow_id, title, state, since, due, overdue) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          instance.id, role, instance.villageId, instance.townshipId, instance.flowId, instance.title, t.state, t.since, t.due, t.overdue ? 1 : 0,
        );
      }
    }
  }

  async createInstance(i: Parameters<Store['createInstance']>[0], first: Parameters<Store['createInstance']>[1], catalogueStart?: CatalogueStart) {
    return this.groupCommit(() => {
      const s = first.snapshot;
      this.run(
        `INSERT INTO instances (id, village_id, township_id, flow_version_id, flow_id, title, state, status, outcome, seq, head, snapshot, started_by, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        i.id, i.villageId, i.townshipId, i.flowVersionId, i.flowId, i.title, s.state, s.status, s.outcome, s.seq, s.hash, JSON.stringify(s), i.startedBy, i.createdAt, i.createdAt,
      );
      const startedMs = Date.parse(first.record.at);
      this.run(
        'INSERT INTO instance_stats (township_id, instance_id, village_id, flow_id, flow_version_id, state, status, score, late, started_ms, entered_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        i.townshipId, i.id, i.villageId, i.flowId, i.flowVersionId, first.record.state, s.status, ratingScore(s, true), deadlineFired(first.record, true) ? 1 : 0, startedMs, startedMs,
      );
      this.writeEvent(i, first);
      if (catalogueStart) {
        this.run(
          'INSERT INTO catalogue_starts (instance_id, township_id, item_id, item_code, item_name) VALUES (?, ?, ?, ?, ?)',
          i.id, i.townshipId, catalogueStart.itemId, catalogueStart.itemCode, catalogueStart.itemName,
        );
      }
    });
  }

  async appendEvent(w: EventWrite & { title?: string }) {
    return this.groupCommit(() => {
      const s = w.snapshot;
      // With the instance, what the overview keeps of it (instance_stats): see keepOverviewStats.
      const current = this.get(
        `SELECT i.id, i.village_id, i.township_id, i.flow_id, i.title, o.state AS o_state, o.status AS o_status, o.flow_version_id AS o_flow_version_id, o.score AS o_score, o.late AS o_late, o.entered_ms AS o_entered_ms
         FROM instances i LEFT JOIN instance_stats o ON o.township_id = i.township_id AND o.instance_id = i.id WHERE i.id = ?`,
        w.instanceId,
      );
      if (!current) throw new NotFoundError(`instance ${w.instanceId} does not exist`);
      const title = w.title ?? (current.title as string);
      const changed = this.run(
        'UPDATE instances SET state = ?, status = ?, outcome = ?, seq = ?, head = ?, snapshot = ?, title = ?, updated_at = ? WHERE id = ? AND seq = ?',
        s.state, s.status, s.outcome, s.seq, s.hash, JSON.stringify(s), title, w.record.at, w.instanceId, w.expectedSeq,
      );
      if (changed.changes !== 1) {
        throw new ConflictError(`instance ${w.instanceId} has moved on since sequence number ${w.expectedSeq}; reload and try again`);
      }
      if (w.flowVersionId !== undefined) this.run('UPDATE instances SET flow_version_id = ? WHERE id = ?', w.flowVersionId, w.instanceId);
      this.keepOverviewStats(current, w);
      this.writeEvent({ id: w.instanceId, villageId: current.village_id as string, townshipId: current.township_id as string, flowId: current.flow_id as string, title }, w);
    });
  }

  /**
   * The overview's rows for an accepted event: a record in a new state ends the visit of the old one
   * (one state_visits row) and the instance's stats row changes only when what it holds does (the
   * state, status, flow version, rating score, a deadline fired). Most records of a step write
   * nothing here. `current` is the instance row joined with its instance_stats row (o_*).
   */
  private keepOverviewStats(current: Row, w: EventWrite) {
    if (current.o_state === null || current.o_state === undefined) return; // no stats row: nothing to keep
    const r = w.record;
    const state = current.o_state as string;
    const moved = r.state !== state;
    const atMs = moved ? Date.parse(r.at) : 0;
    const enteredMs = current.o_entered_ms as number | null;
    if (moved && enteredMs !== null) {
      this.run(
        'INSERT INTO state_visits (township_id, flow_id, state, village_id, ms, instance_id, left_seq) VALUES (?, ?, ?, ?, ?, ?, ?)',
        current.township_id, current.flow_id, state, current.village_id, atMs - enteredMs, w.instanceId, r.seq,
      );
    }
    const score = ratingScore(w.snapshot, true);
    const late = current.o_late === 1 || deadlineFired(r, true);
    const flowVersionId = w.flowVersionId ?? (current.o_flow_version_id as number);
    if (moved || w.snapshot.status !== current.o_status || score !== current.o_score || late !== (current.o_late === 1) || flowVersionId !== current.o_flow_version_id) {
      this.run(
        'UPDATE instance_stats SET state = ?, status = ?, flow_version_id = ?, score = ?, late = ?, entered_ms = ? WHERE township_id = ? AND instance_id = ?',
        r.state, w.snapshot.status, flowVersionId, score, late ? 1 : 0, moved ? atMs : enteredMs, current.township_id, w.instanceId,
      );
    }
  }

  async flowVersionsOf(instanceIds: string[]) {
    // One JSON parameter: the statement is prepared once, whatever the number of ids.
    const found = this.st('SELECT id, flow_version_id FROM instances WHERE id IN (SELECT value FROM json_each(?))').raw(true).all(JSON.stringify(instanceIds)) as [string, number][];
    return new Map(found);
  }

  async getInstance(id: string) {
    const r = this.get('SELECT * FROM instances WHERE id = ?', id);
    return r ? lazySnapshot(r) : null;
  }

  async listInstances(f: InstanceFilter) {
    const where = ['i.township_id = ?'];
    const params: unknown[] = [f.townshipId];
    // One village reads its own index range, newest first; several scan the township's, newest
    // first, filtered on the index, and stop at the limit. The village list is one JSON parameter so
    // the statement is prepared once, not once per list length.
    if (f.villageIds?.length === 1) where.push('i.village_id = ?'), params.push(f.villageIds[0]);
    else if (f.villageIds) where.push('i.village_id IN (SELECT value FROM json_each(?))'), params.push(JSON.stringify(f.villageIds));
    if (f.read) {
      // Within the villages' range: the readable clauses, or what the reader started.
      const any = f.read.clauses.map((c) => {
        params.push(JSON.stringify(c.villageIds));
        if (c.flowVersionIds === null) return 'i.village_id IN (SELECT value FROM json_each(?))';
        params.push(JSON.stringify(c.flowVersionIds));
        return '(i.village_id IN (SELECT value FROM json_each(?)) AND i.flow_version_id IN (SELECT value FROM json_each(?)))';
      });
      where.push(`(${[...any, 'i.started_by = ?'].join(' OR ')})`), params.push(f.read.startedBy);
    }
    if (f.flowId) where.push('i.flow_id = ?'), params.push(f.flowId);
    if (f.state) where.push('i.state = ?'), params.push(f.state);
    if (f.status) where.push('i.status = ?'), params.push(f.status);
    if (f.overdue !== undefined) where.push(`${f.overdue ? '' : 'NOT '}EXISTS (SELECT 1 FROM tasks t WHERE t.instance_id = i.id AND t.overdue = 1)`);
    params.push(f.limit ?? 100, f.offset ?? 0);
    return this.all(`SELECT i.* FROM instances i WHERE ${where.join(' AND ')} ORDER BY i.updated_at DESC, i.id LIMIT ? OFFSET ?`, ...params).map(rows.instance);
  }

  async history(instanceId: string): Promise<HistoryRecord[]> {
    return this.all('SELECT * FROM history WHERE instance_id = ? ORDER BY seq', instanceId).map(rows.record);
  }

  async personalValues(instanceId: string) {
    return this.all('SELECT * FROM personal_values WHERE instance_id = ? ORDER BY seq, pointer', instanceId).map(rows.personalValue);
  }

  async erasePersonal(instanceId: string, e: Omit<AuditEntry, 'id'>) {
    return this.db.transaction(() => {
      const erased = this.run('UPDATE personal_values SET value = NULL, salt = NULL, erased_at = ?, erased_by = ? WHERE instance_id = ? AND erased_at IS NULL', e.at, e.actorId, instanceId).changes;
      this.run('INSERT INTO audit_log (township_id, at, actor_id, action, target, details) VALUES (?, ?, ?, ?, ?, ?)', e.townshipId, e.at, e.actorId, e.action, e.target, JSON.stringify({ ...e.details, erased }));
      return erased;
    })();
  }

  async ballotBox(instanceId: string) {
    const found = this.all(
      'SELECT i.seq, b.ballot_id, b.choice FROM instances i LEFT JOIN ballot_box b ON b.instance_id = i.id WHERE i.id = ? ORDER BY b.ballot_id',
      instanceId,
    );
    return rows.ballotBox(found);
  }

  async inbox(scopes: InboxScope[], limit: number) {
    if (scopes.length === 0) return [];
    // One index range per scope, already in inbox order and cut at the limit; only the union of
    // those few rows is sorted, not every open task the scopes match. UNION drops a task that two
    // scopes both match, as the OR of the scopes would. A scope of one starter's matters looks each
    // task's instance up by its key.
    const one = (s: InboxScope) =>
      `SELECT * FROM (SELECT t.* FROM tasks t WHERE ${s.villageId ? 't.village_id' : 't.township_id'} = ? AND t.role = ?${s.startedBy ? ' AND EXISTS (SELECT 1 FROM instances i WHERE i.id = t.instance_id AND i.started_by = ?)' : ''} ORDER BY t.overdue DESC, t.since, t.instance_id LIMIT ?)`;
    const params = scopes.flatMap((s) => [s.villageId ?? s.townshipId, s.role, ...(s.startedBy ? [s.startedBy] : []), limit]);
    return this.all(`${scopes.map(one).join(' UNION ')} ORDER BY overdue DESC, since, instance_id, role LIMIT ?`, ...params, limit).map(rows.task);
  }

  async dueTimers(now: string, limit: number) {
    return this.all('SELECT instance_id, timer_id, due FROM timers WHERE due <= ? ORDER BY due, instance_id, timer_id LIMIT ?', now, limit).map((r) => ({
      instanceId: r.instance_id as string,
      timerId: r.timer_id as string,
      due: r.due as string,
    }));
  }

  async disclosures(villageId: string, opts: { current: boolean; now: string; limit: number }) {
    const sql = opts.current
      ? 'SELECT * FROM disclosures WHERE village_id = ? AND ended_at IS NULL AND from_at <= ? ORDER BY from_at DESC LIMIT ?'
      : 'SELECT * FROM disclosures WHERE village_id = ? AND ended_at IS NOT NULL AND from_at <= ? ORDER BY ended_at DESC LIMIT ?';
    return this.all(sql, villageId, opts.now, opts.limit).map(rows.disclosure);
  }

  async audit(e: { townshipId: string; at: string; actorId: string; action: string; target: string; details: Record<string, unknown> }) {
    this.insertAudit(e);
  }
  private insertAudit(e: Omit<AuditEntry, 'id'>) {
    this.run('INSERT INTO audit_log (township_id, at, actor_id, action, target, details) VALUES (?, ?, ?, ?, ?, ?)', e.townshipId, e.at, e.actorId, e.action, e.target, JSON.stringify(e.details));
  }
  async auditLog(townshipId: string, limit: number) {
    return this.all('SELECT * FROM audit_log WHERE township_id = ? ORDER BY id DESC LIMIT ?', townshipId, limit).map(rows.audit);
  }

  async calendarYears(townshipId: string) {
    return currentYears(this.all(sqliteParams(CALENDAR_YEARS_SQL), townshipId));
  }
  async listTownships() {
    return this.all('SELECT id, name FROM townships ORDER BY id').map((r) => ({ id: r.id as string, name: r.name as string }));
  }
  async calendarTownships() {
    return this.all('SELECT DISTINCT township_id FROM calendar_adoptions ORDER BY township_id').map((r) => r.township_id as string);
  }
  async getCalendarVersions(hashes: string[]) {
    if (!hashes.length) return [];
    return this.all(`SELECT hash, json FROM calendar_versions WHERE hash IN (SELECT value FROM json_each(?)) ORDER BY year, hash`, JSON.stringify(hashes)).map(calendarOfRow);
  }
  private insertCalendar(v: CalendarVersion, at: string) {
    const r = calendarRow(v);
    this.run(sqliteParams(CALENDAR_INSERT_SQL), r.hash, r.year, r.status, r.json, at);
  }
  async putCalendarVersions(versions: CalendarVersion[], at: string) {
    this.db.transaction(() => {
      for (const v of versions) this.insertCalendar(v, at);
    })();
  }
  async adoptCalendar(a: { townshipId: string; version: CalendarVersion; by: string; at: string }, e: { townshipId: string; at: string; actorId: string; action: string; target: string; details: Record<string, unknown> }) {
    this.db.transaction(() => {
      this.insertCalendar(a.version, a.at);
      this.run(sqliteParams(CALENDAR_ADOPT_SQL), a.townshipId, a.version.year, a.version.hash, a.by, a.at);
      this.run('INSERT INTO audit_log (township_id, at, actor_id, action, target, details) VALUES (?, ?, ?, ?, ?, ?)', e.townshipId, e.at, e.actorId, e.action, e.target, JSON.stringify(e.details));
    })();
  }

  // Two portable queries; durations are left to the caller, computed from the ISO timestamps.
  // Only state changes leave the database, not every ballot.
  async instanceStats(townshipId: string) {
    const instances = this.all(
      `SELECT i.id, i.village_id, i.flow_id, i.flow_version_id, i.status,
         CASE WHEN EXISTS (SELECT 1 FROM tasks t WHERE t.instance_id = i.id AND t.overdue = 1) THEN 1 ELSE 0 END AS overdue
       FROM instances i WHERE i.township_id = ? ORDER BY i.id`,
      townshipId,
    ).map(rows.instanceStat);
    const entries = this.all(
      // A record enters a state unless the record before it (seq - 1: sequence numbers have no gaps)
      // was in the same state; a primary-key probe is about twice as fast here as LAG() OVER.
      `SELECT h.instance_id, h.seq, h.state, h.at FROM instances i JOIN history h ON h.instance_id = i.id
       WHERE i.township_id = ? AND NOT EXISTS (SELECT 1 FROM history p WHERE p.instance_id = h.instance_id AND p.seq = h.seq - 1 AND p.state = h.state)
       ORDER BY h.instance_id, h.seq`,
      townshipId,
    ).map(rows.stateEntry);
    return { instances, entries };
  }

  async listCatalogue(townshipId: string) {
    return this.all('SELECT * FROM catalogue_items WHERE township_id = ? ORDER BY code', townshipId).map(rows.catalogueItem);
  }
  async getCatalogueItem(id: string) {
    const r = this.get('SELECT * FROM catalogue_items WHERE id = ?', id);
    return r ? rows.catalogueItem(r) : null;
  }
  async getCatalogueItemByCode(townshipId: string, code: string) {
    const r = this.get('SELECT * FROM catalogue_items WHERE township_id = ? AND code = ?', townshipId, code);
    return r ? rows.catalogueItem(r) : null;
  }
  async upsertCatalogueItems(items: CatalogueItem[]) {
    this.db.transaction(() => {
      for (const i of items) {
        const taken = this.get('SELECT id FROM catalogue_items WHERE township_id = ? AND code = ? AND id <> ?', i.townshipId, i.code, i.id);
        if (taken) throw new ConflictError(`item code ${i.code} is already used by another item`);
        const existing = this.get('SELECT township_id FROM catalogue_items WHERE id = ?', i.id);
        if (existing && existing.township_id !== i.townshipId) throw new NotFoundError(`catalogue item ${i.id} does not exist`);
        this.run(
          `INSERT INTO catalogue_items (id, township_id, code, name, type, department, legal_basis, service_object, conditions, materials, promised_days, statutory_days, fee, mode, flow_id, updated_by, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name, type = excluded.type, department = excluded.department,
             legal_basis = excluded.legal_basis, service_object = excluded.service_object, conditions = excluded.conditions, materials = excluded.materials,
             promised_days = excluded.promised_days, statutory_days = excluded.statutory_days, fee = excluded.fee, mode = excluded.mode,
             flow_id = excluded.flow_id, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
          i.id, i.townshipId, i.code, i.name, i.type, i.department, i.legalBasis, i.serviceObject, i.conditions, JSON.stringify(i.materials),
          i.promisedDays, i.statutoryDays, i.fee, i.mode, i.flowId, i.updatedBy, i.updatedAt,
        );
      }
    })();
  }
  async deleteCatalogueItem(id: string) {
    return this.run('DELETE FROM catalogue_items WHERE id = ?', id).changes === 1;
  }
  // The score is read from the snapshot's data and lateness from the history: a fired deadline
  // timer (id "<state>:deadline") is the DEADLINE.EXCEEDED record.
  async serviceStats(townshipId: string, flowIds: string[]) {
    return this.db
      .prepare(
        `SELECT i.id, i.village_id, i.flow_id, i.status, c.item_id, c.item_code, c.item_name,
           json_extract(i.snapshot, '$.context.data.rating.score') AS score,
           CASE WHEN EXISTS (SELECT 1 FROM history h WHERE h.instance_id = i.id AND h.type = 'TIMER'
             AND json_extract(h.payload, '$.timer') LIKE '%:deadline') THEN 1 ELSE 0 END AS late
         FROM instances i LEFT JOIN catalogue_starts c ON c.instance_id = i.id
         WHERE i.township_id = ? AND (c.instance_id IS NOT NULL OR i.flow_id IN (${flowIds.map(() => '?').join(', ') || 'NULL'}))
         ORDER BY i.id`,
      )
      .all(townshipId, ...flowIds)
      .map((r) => rows.serviceStat(r as Row));
  }

  // Two index ranges of the township (instance_stats, state_visits) and its overdue tasks; raw rows,
  // as the overview reads thousands of them per call.
  async overviewStats(townshipId: string) {
    const overdue = new Set(this.st('SELECT DISTINCT instance_id FROM tasks WHERE township_id = ? AND overdue = 1').pluck().all(townshipId) as string[]);
    const instances = (
      this.st(
        `SELECT o.instance_id, o.village_id, o.flow_id, o.status, c.item_id, c.item_code, c.item_name, o.score, o.late, o.flow_version_id,
           CASE WHEN o.status = 'done' THEN o.entered_ms - o.started_ms END AS ms
         FROM instance_stats o LEFT JOIN catalogue_starts c ON c.instance_id = o.instance_id WHERE o.township_id = ? ORDER BY o.instance_id`,
      ).raw(true).all(townshipId) as unknown[][]
    ).map(rows.overviewInstance(overdue));
    const visits = (
      this.st(
        // Each group is read in index order, shortest visit first (ascending() makes sure without
        // the sort an ORDER BY in group_concat costs).
        `SELECT flow_id, state, village_id, sum(ms), group_concat(ms) FROM state_visits WHERE township_id = ?
         GROUP BY flow_id, state, village_id ORDER BY flow_id, state, village_id`,
      ).raw(true).all(townshipId) as [string, string, string, number, string][]
    ).map(([flowId, state, villageId, totalMs, list]): OverviewVisitsRow => ({ flowId, state, villageId, totalMs, durations: ascending(integers(list)) }));
    return { instances, visits };
  }
}
