// The PostgreSQL store (pg): what several server processes share. Every write that belongs
// together runs in one transaction on one pooled connection. Concurrency is the database's job:
// an event is accepted only by the UPDATE that still finds the sequence number its sender saw
// (a concurrent one waits for the row lock, then finds the new number and is a ConflictError), and
// due timers are claimed with FOR UPDATE SKIP LOCKED plus a lease, so one process delivers each.
import pg from 'pg';
import type { HistoryRecord, PersonalValue } from '../../../engine/index.ts';
import { ConflictError, NotFoundError, type AuditEntry, type CatalogueItem, type CatalogueStart, type Session, type EventWrite, type InboxScope, type InstanceFilter, type OverviewVisitsRow, type RoleGrant, type SignIn, type Store, type Task, type User, type UserWithSecret } from '../types.ts';
import { deadlineFired, integers, ratingScore } from '../overview.ts';
import * as rows from '../sqlite/rows.ts';
import { MIGRATIONS } from './migrations.ts';
import { changeSets } from '../changes.ts';
import { CALENDAR_ADOPT_SQL, CALENDAR_INSERT_SQL, CALENDAR_YEARS_SQL, calendarOfRow, calendarRow, currentYears } from '../calendars.ts';
import type { CalendarVersion } from '../../../engine/index.ts';

type Row = Record<string, unknown>;
type Db = pg.Pool | pg.PoolClient;

/** How long a claimed timer belongs to the process that claimed it (in the server's clock). */
export const TIMER_LEASE_MS = 60_000;
// Any constant shared by every villageflow process: migrations run under this advisory lock.
const MIGRATION_LOCK = 0x76666c6f; // "vflo"

const int8AsNumber: pg.CustomTypesConfig = {
  // count(*) and BIGINT ids: JavaScript numbers (they stay far below 2^53), as SQLite gives them.
  getTypeParser: ((oid: number, format?: string) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text'))) as pg.CustomTypesConfig['getTypeParser'],
};

// Same object shapes as SQLite rows; only the booleans differ (SQLite stores 0/1).
const task = (r: Row): Task => rows.task({ ...r, overdue: r.overdue === true ? 1 : 0 });

const isUniqueViolation = (error: unknown) => (error as { code?: string })?.code === '23505';

/** Most distinct statement texts given a name; beyond them (never with the store's own SQL) a text is sent unnamed. */
const MAX_NAMED = 1000;
const statementNames = new Map<string, string>();

/**
 * A statement PostgreSQL parses and plans once per connection, not on every call: node-postgres
 * prepares a named statement the first time a connection runs it and then only binds and executes
 * it. One name per text, for the life of the process (a counter: names are per connection on the
 * server, and each text always gets the same one).
 */
function named(text: string, values: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) {
    if (statementNames.size >= MAX_NAMED) return { text, values };
    name = `villageflow_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}

export class PgStore implements Store {
  readonly pool: pg.Pool;

  constructor(connectionString: string, options: { max?: number } = {}) {
    this.pool = new pg.Pool({ connectionString, max: options.max ?? 10, types: int8AsNumber });
    // An idle connection the server dropped must not take the process down; the next query reconnects.
    this.pool.on('error', () => {});
  }

  private async all(sql: string, params: unknown[] = [], db: Db = this.pool): Promise<Row[]> {
    return (await db.query(named(sql, params))).rows as Row[];
  }
  private async get(sql: string, params: unknown[] = [], db: Db = this.pool): Promise<Row | undefined> {
    return (await db.query(named(sql, params))).rows[0] as Row | undefined;
  }
  private async run(db: Db, sql: string, params: unknown[]): Promise<void> {
    await db.query(named(sql, params));
  }

  /** Runs `fn` in one transaction on one connection; any error rolls it back. */
  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await c.query('BEGIN');
      const result = await fn(c);
      await c.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await c.query('ROLLBACK');
      } catch (rollback) {
        broken = rollback as Error;
      }
      throw error;
    } finally {
      // A connection that could not roll back is discarded, not returned to the pool.
      c.release(broken);
    }
  }

  async migrate(): Promise<number> {
    return this.tx(async (c) => {
      // Several processes may start at once: one migrates, the others wait and find it done.
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
      const applied = new Set((await this.all('SELECT version FROM schema_migrations', [], c)).map((r) => r.version as number));
      let count = 0;
      for (const m of MIGRATIONS) {
        if (applied.has(m.version)) continue;
        await c.query(m.sql);
        await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, new Date().toISOString()]);
        count++;
      }
      return count;
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async createTownship(t: { id: string; name: string }) {
    await this.pool.query('INSERT INTO townships (id, name) VALUES ($1, $2)', [t.id, t.name]);
  }
  async getTownship(id: string) {
    const r = await this.get('SELECT id, name FROM townships WHERE id = $1', [id]);
    return r ? { id: r.id as string, name: r.name as string } : null;
  }
  async createVillage(v: { id: string; townshipId: string; name: string; kind: 'village' | 'community' }) {
    await this.pool.query('INSERT INTO villages (id, township_id, name, kind) VALUES ($1, $2, $3, $4)', [v.id, v.townshipId, v.name, v.kind]);
  }
  async getVillage(id: string) {
    const r = await this.get('SELECT * FROM villages WHERE id = $1', [id]);
    return r ? rows.village(r) : null;
  }
  async listVillages(townshipId: string) {
    return (await this.all('SELECT * FROM villages WHERE township_id = $1 ORDER BY id', [townshipId])).map(rows.village);
  }

  /** Users with their roles, in the order given (one query for the roles of all of them). */
  private async users(found: Row[], db: Db = this.pool): Promise<User[]> {
    if (found.length === 0) return [];
    const grants = await this.all(
      "SELECT user_id, role, village_id FROM user_roles WHERE user_id = ANY($1) ORDER BY user_id, coalesce(village_id, ''), role",
      [found.map((r) => r.id)],
      db,
    );
    const byUser = new Map<string, RoleGrant[]>();
    for (const g of grants) {
      const list = byUser.get(g.user_id as string) ?? [];
      list.push({ role: g.role as RoleGrant['role'], villageId: (g.village_id as string | null) ?? null });
      byUser.set(g.user_id as string, list);
    }
    return found.map((r) => ({
      id: r.id as string,
      townshipId: r.township_id as string,
      username: r.username as string,
      displayName: r.display_name as string,
      roles: byUser.get(r.id as string) ?? [],
      mustChangePassword: r.must_change_password === true,
      mobile: (r.mobile as string | null) ?? null,
      deactivatedAt: (r.deactivated_at as string | null) ?? null,
    }));
  }
  async createUser(u: Parameters<Store['createUser']>[0]) {
    await this.tx(async (c) => {
      await c.query('INSERT INTO users (id, township_id, username, display_name, password_hash, must_change_password, mobile) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        u.id, u.townshipId, u.username, u.displayName, u.passwordHash, u.mustChangePassword ?? false, u.mobile ?? null,
      ]);
      await this.insertRoles(c, u.id, u.roles);
    });
  }
  async createUsers(users: Parameters<Store['createUsers']>[0], audits: Parameters<Store['createUsers']>[1]) {
    try {
      await this.tx(async (c) => {
        for (const u of users) {
          await c.query('INSERT INTO users (id, township_id, username, display_name, password_hash, must_change_password, mobile) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
            u.id, u.townshipId, u.username, u.displayName, u.passwordHash, u.mustChangePassword, u.mobile ?? null,
          ]);
          await this.insertRoles(c, u.id, u.roles);
        }
        for (const e of audits) await this.run(c, 'INSERT INTO audit_log (township_id, at, actor_id, action, target, details) VALUES ($1, $2, $3, $4, $5, $6)', [e.townshipId, e.at, e.actorId, e.action, e.target, JSON.stringify(e.details)]);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('a user name or mobile number is taken already; nobody was added');
      throw error;
    }
  }
  private async insertRoles(c: pg.PoolClient, userId: string, roles: RoleGrant[]) {
    for (const g of roles) await c.query('INSERT INTO user_roles (user_id, role, village_id) VALUES ($1, $2, $3)', [userId, g.role, g.villageId]);
  }
  async getUser(id: string) {
    const [u] = await this.users(await this.all('SELECT * FROM users WHERE id = $1', [id]));
    return u ?? null;
  }
  async getUserByUsername(username: string) {
    const r = await this.get('SELECT * FROM users WHERE username = $1', [username]);
    if (!r) return null;
    const [u] = await this.users([r]);
    return { ...u!, passwordHash: r.password_hash as string };
  }
  async listUsers(townshipId: string) {
    return this.users(await this.all('SELECT * FROM users WHERE township_id = $1 ORDER BY username', [townshipId]));
  }
  async setRoles(userId: string, roles: RoleGrant[]) {
    await this.tx(async (c) => {
      await c.query('DELETE FROM user_roles WHERE user_id = $1', [userId]);
      await this.insertRoles(c, userId, roles);
    });
  }
  async setPassword(userId: string, passwordHash: string, mustChange: boolean) {
    await this.pool.query('UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3', [passwordHash, mustChange, userId]);
  }

  async updateUser(id: string, change: { displayName?: string; mobile?: string | null; deactivatedAt?: string | null }) {
    const sets = changeSets(change, { displayName: 'display_name', mobile: 'mobile', deactivatedAt: 'deactivated_at' });
    if (!sets.columns.length) return;
    try {
      await this.pool.query(`UPDATE users SET ${sets.columns.map((c, i) => `${c} = $${i + 1}`).join(', ')} WHERE id = $${sets.columns.length + 1}`, [...sets.values, id]);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`mobile ${change.mobile} is another user's`);
      throw error;
    }
  }
  async getUserByMobile(mobile: string) {
    const r = await this.get('SELECT * FROM users WHERE mobile = $1', [mobile]);
    if (!r) return null;
    const [u] = await this.users([r]);
    return { ...u!, passwordHash: r.password_hash as string };
  }
  async updateVillage(id: string, change: { name?: string; archivedAt?: string | null }) {
    const sets = changeSets(change, { name: 'name', archivedAt: 'archived_at' });
    if (sets.columns.length) await this.pool.query(`UPDATE villages SET ${sets.columns.map((c, i) => `${c} = $${i + 1}`).join(', ')} WHERE id = $${sets.columns.length + 1}`, [...sets.values, id]);
  }
  async recordSignIn(userId: string, s: SignIn) {
    await this.pool.query('INSERT INTO sign_ins (user_id, at, address) VALUES ($1, $2, $3)', [userId, s.at, s.address]);
  }
  async signIns(userId: string, limit: number) {
    return (await this.all('SELECT at, address FROM sign_ins WHERE user_id = $1 ORDER BY at DESC LIMIT $2', [userId, limit])).map((r) => ({ at: r.at as string, address: r.address as string }));
  }
  async createSetupToken(tokenHash: string, at: string) {
    await this.pool.query('INSERT INTO setup_tokens (token_hash, created_at) VALUES ($1, $2)', [tokenHash, at]);
  }
  async setupTokenOpen(tokenHash: string) {
    return !!(await this.get('SELECT 1 FROM setup_tokens WHERE token_hash = $1 AND used_at IS NULL', [tokenHash]));
  }
  async useSetupToken(tokenHash: string, at: string) {
    return ((await this.pool.query('UPDATE setup_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL', [at, tokenHash])).rowCount ?? 0) === 1;
  }

  async createSession(s: Session) {
    await this.pool.query('INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [s.tokenHash, s.userId, s.createdAt, s.lastSeenAt, s.expiresAt]);
  }
  async getSession(tokenHash: string) {
    const r = await this.get('SELECT * FROM sessions WHERE token_hash = $1', [tokenHash]);
    return r ? rows.session(r) : null;
  }
  async deleteSession(tokenHash: string) {
    await this.pool.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
  }
  async deleteSessionsOf(userId: string, keep: string | null) {
    await this.pool.query('DELETE FROM sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2', [userId, keep]);
  }
  async touchSession(tokenHash: string, at: string) {
    await this.pool.query('UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2', [at, tokenHash]);
  }
  async recordLoginFailure(key: string, at: string) {
    await this.pool.query('INSERT INTO login_failures (key, at) VALUES ($1, $2)', [key, at]);
  }
  async loginFailures(key: string, since: string) {
    const r = (await this.get('SELECT count(*) AS n, max(at) AS last FROM login_failures WHERE key = $1 AND at >= $2', [key, since]))!;
    return { count: Number(r.n), last: (r.last as string | null) ?? null };
  }
  async pruneSignIns(p: { now: string; idleBefore: string; failuresBefore: string }) {
    return this.tx(async (c) => ({
      sessions: (await c.query('DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2', [p.now, p.idleBefore])).rowCount ?? 0,
      loginFailures: (await c.query('DELETE FROM login_failures WHERE at < $1', [p.failuresBefore])).rowCount ?? 0,
    }));
  }
  async clearLoginFailures(key: string) {
    await this.pool.query('DELETE FROM login_failures WHERE key = $1', [key]);
  }

  async saveDraft(v: { townshipId: string; flowId: string; version: string; json: string; hash: string; title: string; createdBy: string; createdAt: string }) {
    return this.tx(async (c) => {
      const existing = await this.get('SELECT * FROM flow_versions WHERE township_id = $1 AND flow_id = $2 AND version = $3 FOR UPDATE', [v.townshipId, v.flowId, v.version], c);
      if (existing && existing.status === 'published') {
        throw new ConflictError(`${v.flowId} version ${v.version} is already published; drafts need a new version number`);
      }
      if (existing) {
        const r = await this.get('UPDATE flow_versions SET json = $1, hash = $2, title = $3, created_by = $4, created_at = $5 WHERE id = $6 RETURNING *', [v.json, v.hash, v.title, v.createdBy, v.createdAt, existing.id], c);
        return rows.flowVersion(r!);
      }
      try {
        const r = await this.get(
          "INSERT INTO flow_versions (township_id, flow_id, version, status, json, hash, title, created_by, created_at) VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $8) RETURNING *",
          [v.townshipId, v.flowId, v.version, v.json, v.hash, v.title, v.createdBy, v.createdAt],
          c,
        );
        return rows.flowVersion(r!);
      } catch (error) {
        // Another process saved the same version between our read and this insert.
        if (isUniqueViolation(error)) throw new ConflictError(`${v.flowId} version ${v.version} was saved at the same time by someone else; reload and try again`);
        throw error;
      }
    });
  }
  async publish(id: number, by: string, at: string) {
    return this.tx(async (c) => {
      const r = await this.get('SELECT * FROM flow_versions WHERE id = $1 FOR UPDATE', [id], c);
      if (!r) throw new NotFoundError(`flow version ${id} does not exist`);
      if (r.status === 'published') throw new ConflictError(`${r.flow_id} version ${r.version} is already published`);
      return rows.flowVersion((await this.get("UPDATE flow_versions SET status = 'published', published_by = $1, published_at = $2 WHERE id = $3 RETURNING *", [by, at, id], c))!);
    });
  }
  async getFlowVersion(id: number) {
    const r = await this.get('SELECT * FROM flow_versions WHERE id = $1', [id]);
    return r ? rows.flowVersion(r) : null;
  }
  async findFlowVersion(townshipId: string, flowId: string, version: string) {
    const r = await this.get('SELECT * FROM flow_versions WHERE township_id = $1 AND flow_id = $2 AND version = $3', [townshipId, flowId, version]);
    return r ? rows.flowVersion(r) : null;
  }
  async listFlowVersions(townshipId: string, flowId?: string) {
    return (
      flowId
        ? await this.all('SELECT * FROM flow_versions WHERE township_id = $1 AND flow_id = $2 ORDER BY id', [townshipId, flowId])
        : await this.all('SELECT * FROM flow_versions WHERE township_id = $1 ORDER BY flow_id, id', [townshipId])
    ).map(rows.flowVersion);
  }
  async publishedVersionIds(townshipId: string) {
    return (await this.all("SELECT id FROM flow_versions WHERE township_id = $1 AND status = 'published' ORDER BY id", [townshipId])).map((r) => Number(r.id));
  }
  async latestPublished(townshipId: string, flowId: string) {
    const r = await this.get(
      "SELECT * FROM flow_versions WHERE township_id = $1 AND flow_id = $2 AND status = 'published' ORDER BY published_at DESC, id DESC LIMIT 1",
      [townshipId, flowId],
    );
    return r ? rows.flowVersion(r) : null;
  }
  async setFlowVillages(townshipId: string, flowId: string, villageIds: string[]) {
    await this.tx(async (c) => {
      await c.query('DELETE FROM flow_villages WHERE township_id = $1 AND flow_id = $2', [townshipId, flowId]);
      for (const v of villageIds) await c.query('INSERT INTO flow_villages (township_id, flow_id, village_id) VALUES ($1, $2, $3)', [townshipId, flowId, v]);
    });
  }
  async flowVillages(townshipId: string, flowId: string) {
    return (await this.all('SELECT village_id FROM flow_villages WHERE township_id = $1 AND flow_id = $2 ORDER BY village_id', [townshipId, flowId])).map((r) => r.village_id as string);
  }
  async flowsForVillage(villageId: string) {
    return (
      await this.all(
        `SELECT fv.* FROM flow_villages a JOIN villages v ON v.id = a.village_id AND v.township_id = a.township_id
         JOIN flow_versions fv ON fv.id = (SELECT id FROM flow_versions x WHERE x.township_id = a.township_id AND x.flow_id = a.flow_id
           AND x.status = 'published' ORDER BY x.published_at DESC, x.id DESC LIMIT 1)
         WHERE a.village_id = $1 ORDER BY fv.flow_id`,
        [villageId],
      )
    ).map(rows.flowVersion);
  }

  /** The writes one accepted event causes, inside the caller's transaction. */
  private async insertHistory(c: pg.PoolClient, instanceId: string, r: HistoryRecord) {
    await this.run(c, 'INSERT INTO history (instance_id, seq, type, actor_id, role, at, payload, state, prev, hash, calendars) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)', [
      instanceId, r.seq, r.type, r.actor.id, r.actor.role, r.at, JSON.stringify(r.payload), r.state, r.prev, r.hash, r.calendars ? JSON.stringify(r.calendars) : null,
    ]);
  }

  /** The event's timers and disclosures, and the instance's open steps as task rows (none left from before). */
  private async writeEffectsAndTasks(c: pg.PoolClient, instance: { id: string; villageId: string; townshipId: string; flowId: string; title: string }, w: Omit<EventWrite, 'expectedSeq' | 'instanceId'>) {
    const r = w.record;
    for (const e of w.effects) {
      if (e.type === 'timer.schedule') {
        // A rescheduled timer is a new one: whatever claim the old one had is gone.
        await this.run(
          c,
          'INSERT INTO timers (instance_id, timer_id, due) VALUES ($1, $2, $3) ON CONFLICT (instance_id, timer_id) DO UPDATE SET due = excluded.due, claimed_until = NULL',
          [instance.id, e.timer, e.due],
        );
      } else if (e.type === 'timer.cancel') {
        await this.run(c, 'DELETE FROM timers WHERE instance_id = $1 AND timer_id = $2', [instance.id, e.timer]);
      } else if (e.type === 'disclosure.publish') {
        await this.run(
          c,
          'INSERT INTO disclosures (instance_id, village_id, flow_id, title, state, from_at, until_at, items, record_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
          [instance.id, instance.villageId, instance.flowId, instance.title, e.state, e.from, e.until, JSON.stringify(e.items), r.hash],
        );
      } else if (e.type === 'disclosure.end') {
        await this.run(c, 'UPDATE disclosures SET ended_at = $1 WHERE instance_id = $2 AND state = $3 AND ended_at IS NULL', [e.at, instance.id, e.state]);
      } else if (e.type === 'disclosure.reschedule') {
        await this.run(c, 'UPDATE disclosures SET until_at = $1 WHERE instance_id = $2 AND state = $3 AND ended_at IS NULL', [e.until, instance.id, e.state]);
      } else if (e.type === 'ballot.deposit') {
        await this.run(c, 'INSERT INTO ballot_box (instance_id, ballot_id, choice) VALUES ($1, $2, $3)', [instance.id, e.ballot.id, e.ballot.choice]);
      } else if (e.type === 'ballot.empty') {
        await this.run(c, 'DELETE FROM ballot_box WHERE instance_id = $1', [instance.id]);
      }
    }
    const taskRows = w.tasks.flatMap((t) => t.roles.map((role) => [instance.id, role, instance.villageId, instance.townshipId, instance.flowId, instance.title, t.state, t.since, t.due, t.overdue]));
    if (taskRows.length) {
      const values = taskRows.map((_, i) => `(${Array.from({ length: 10 }, (_, j) => `$${i * 10 + j + 1}`).join(', ')})`);
      await this.run(c, `INSERT INTO tasks (instance_id, role, village_id, township_id, flow_id, title, state, since, due, overdue) VALUES ${values.join(', ')}`, taskRows.flat());
    }
  }

  async createInstance(i: Parameters<Store['createInstance']>[0], first: Parameters<Store['createInstance']>[1], catalogueStart?: CatalogueStart) {
    await this.tx(async (c) => {
      const s = first.snapshot;
      await this.run(
        c,
        `INSERT INTO instances (id, village_id, township_id, flow_version_id, flow_id, title, state, status, outcome, seq, head, snapshot, started_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
        [i.id, i.villageId, i.townshipId, i.flowVersionId, i.flowId, i.title, s.state, s.status, s.outcome, s.seq, s.hash, JSON.stringify(s), i.startedBy, i.createdAt, i.createdAt],
      );
      const startedMs = Date.parse(first.record.at);
      await this.run(
        c,
        'INSERT INTO instance_stats (township_id, instance_id, village_id, flow_id, flow_version_id, state, status, score, late, started_ms, entered_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
        [i.townshipId, i.id, i.villageId, i.flowId, i.flowVersionId, first.record.state, s.status, ratingScore(s, false), deadlineFired(first.record, false), startedMs, startedMs],
      );
      await this.insertHistory(c, i.id, first.record);
      await this.insertPersonal(c, i.id, first.personal);
      await this.writeEffectsAndTasks(c, i, first);
      if (catalogueStart) {
        await this.run(c, 'INSERT INTO catalogue_starts (instance_id, township_id, item_id, item_code, item_name) VALUES ($1, $2, $3, $4, $5)', [
          i.id, i.townshipId, catalogueStart.itemId, catalogueStart.itemCode, catalogueStart.itemName,
        ]);
      }
    });
  }

  async appendEvent(w: EventWrite & { title?: string }) {
    await this.tx(async (c) => {
      const s = w.snapshot;
      // The compare-and-set on seq: a concurrent writer holds the row lock until it commits; this
      // UPDATE then re-reads the row, finds the new seq and changes nothing.
      const current = await this.get(
        `UPDATE instances SET state = $1, status = $2, outcome = $3, seq = $4, head = $5, snapshot = $6, title = coalesce($7, title), updated_at = $8,
           flow_version_id = coalesce($9, flow_version_id)
         WHERE id = $10 AND seq = $11 RETURNING village_id, township_id, flow_id, title`,
        [s.state, s.status, s.outcome, s.seq, s.hash, JSON.stringify(s), w.title ?? null, w.record.at, w.flowVersionId ?? null, w.instanceId, w.expectedSeq],
        c,
      );
      if (!current) {
        if (!(await this.get('SELECT 1 FROM instances WHERE id = $1', [w.instanceId], c))) throw new NotFoundError(`instance ${w.instanceId} does not exist`);
        throw new ConflictError(`instance ${w.instanceId} has moved on since sequence number ${w.expectedSeq}; reload and try again`);
      }
      await this.recordEvent(c, current, w);
      await this.insertPersonal(c, w.instanceId, w.personal);
      await this.writeEffectsAndTasks(c, { id: w.instanceId, villageId: current.village_id as string, townshipId: current.township_id as string, flowId: current.flow_id as string, title: current.title as string }, w);
    });
  }

  /**
   * The accepted event's history record, the instance's old task rows gone, and the overview's rows
   * (as SQLite's keepOverviewStats), in one statement: a round trip each cost more than the work. A
   * record in a new state ends the visit of the old one (a state_visits row), and the instance's
   * stats row is updated only when what it holds changes. The instance row is locked by the UPDATE
   * before, so no other writer changes these rows meanwhile; the new task rows follow in a
   * statement of their own, which sees the old ones gone.
   */
  private async recordEvent(c: pg.PoolClient, current: Row, w: EventWrite) {
    const r = w.record;
    await this.run(
      c,
      `WITH record AS (
         INSERT INTO history (instance_id, seq, type, actor_id, role, at, payload, state, prev, hash, calendars) VALUES ($2, $6, $12, $13, $14, $15, $16, $7, $17, $18, $19)
       ),
       gone AS (DELETE FROM tasks WHERE instance_id = $2),
       old AS (SELECT state, entered_ms FROM instance_stats WHERE township_id = $1 AND instance_id = $2),
       visit AS (
         INSERT INTO state_visits (township_id, flow_id, state, village_id, ms, instance_id, left_seq)
         SELECT $1, $3, old.state, $4, $5::bigint - old.entered_ms, $2, $6 FROM old WHERE old.state <> $7 AND old.entered_ms IS NOT NULL
       )
       UPDATE instance_stats o SET state = $7, status = $8, flow_version_id = coalesce($9::integer, o.flow_version_id), score = $10::float8, late = o.late OR $11::boolean,
         entered_ms = CASE WHEN o.state <> $7 THEN $5::bigint ELSE o.entered_ms END
       WHERE o.township_id = $1 AND o.instance_id = $2
         AND (o.state <> $7 OR o.status <> $8 OR o.flow_version_id <> coalesce($9::integer, o.flow_version_id) OR o.score IS DISTINCT FROM $10::float8 OR ($11::boolean AND NOT o.late))`,
      [
        current.township_id, w.instanceId, current.flow_id, current.village_id, Date.parse(r.at), r.seq, r.state, w.snapshot.status, w.flowVersionId ?? null,
        ratingScore(w.snapshot, false), deadlineFired(r, false), r.type, r.actor.id, r.actor.role, r.at, JSON.stringify(r.payload), r.prev, r.hash,
        r.calendars ? JSON.stringify(r.calendars) : null,
      ],
    );
  }

  async flowVersionsOf(instanceIds: string[]) {
    const found = await this.all('SELECT id, flow_version_id FROM instances WHERE id = ANY($1)', [instanceIds]);
    return new Map(found.map((r) => [r.id as string, r.flow_version_id as number]));
  }

  async getInstance(id: string) {
    const r = await this.get('SELECT * FROM instances WHERE id = $1', [id]);
    return r ? rows.instance(r) : null;
  }

  async listInstances(f: InstanceFilter) {
    const where = ['i.township_id = $1'];
    const params: unknown[] = [f.townshipId];
    const add = (clause: (n: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (f.villageIds) add((n) => `i.village_id = ANY(${n})`, f.villageIds);
    if (f.read) {
      // Within the villages' range: the readable clauses, or what the reader started.
      const at = (value: unknown) => (params.push(value), `$${params.length}`);
      const any = f.read.clauses.map((c) =>
        c.flowVersionIds === null ? `i.village_id = ANY(${at(c.villageIds)})` : `(i.village_id = ANY(${at(c.villageIds)}) AND i.flow_version_id = ANY(${at(c.flowVersionIds)}))`,
      );
      where.push(`(${[...any, `i.started_by = ${at(f.read.startedBy)}`].join(' OR ')})`);
    }
    if (f.flowId) add((n) => `i.flow_id = ${n}`, f.flowId);
    if (f.state) add((n) => `i.state = ${n}`, f.state);
    if (f.status) add((n) => `i.status = ${n}`, f.status);
    if (f.overdue !== undefined) where.push(`${f.overdue ? '' : 'NOT '}EXISTS (SELECT 1 FROM tasks t WHERE t.instance_id = i.id AND t.overdue)`);
    params.push(f.limit ?? 100, f.offset ?? 0);
    return (
      await this.all(`SELECT i.* FROM instances i WHERE ${where.join(' AND ')} ORDER BY i.updated_at DESC, i.id LIMIT $${params.length - 1} OFFSET $${params.length}`, params)
    ).map(rows.instance);
  }

  async history(instanceId: string): Promise<HistoryRecord[]> {
    return (await this.all('SELECT * FROM history WHERE instance_id = $1 ORDER BY seq', [instanceId])).map(rows.record);
  }

  async personalValues(instanceId: string) {
    return (await this.all('SELECT * FROM personal_values WHERE instance_id = $1 ORDER BY seq, pointer', [instanceId])).map(rows.personalValue);
  }

  async erasePersonal(instanceId: string, e: Omit<AuditEntry, 'id'>) {
    return this.tx(async (c) => {
      const erased = (await c.query('UPDATE personal_values SET value = NULL, salt = NULL, erased_at = $1, erased_by = $2 WHERE instance_id = $3 AND erased_at IS NULL', [e.at, e.actorId, instanceId])).rowCount ?? 0;
      await this.run(c, 'INSERT INTO audit_log (township_id, at, actor_id, action, target, details) VALUES ($1, $2, $3, $4, $5, $6)', [e.townshipId, e.at, e.actorId, e.action, e.target, JSON.stringify({ ...e.details, erased })]);
      return erased;
    });
  }

  /** The personal values a record commits to, in the record's transaction (one statement; none for most records). */
  private async insertPersonal(c: pg.PoolClient, instanceId: string, values: PersonalValue[] | undefined) {
    if (!values?.length) return;
    const params = values.flatMap((v) => rows.personalRow(instanceId, v));
    const n = params.length / values.length;
    const tuples = values.map((_, i) => `(${Array.from({ length: n }, (_, j) => `$${i * n + j + 1}`).join(', ')})`);
    await this.run(c, `INSERT INTO personal_values (${rows.personalColumns}) VALUES ${tuples.join(', ')}`, params);
  }

  async ballotBox(instanceId: string) {
    // One statement, so the seq and the box come from the same snapshot.
    const found = await this.all(
      'SELECT i.seq, b.ballot_id, b.choice FROM instances i LEFT JOIN ballot_box b ON b.instance_id = i.id WHERE i.id = $1 ORDER BY b.ballot_id',
      [instanceId],
    );
    return rows.ballotBox(found);
  }

  async inbox(scopes: InboxScope[], limit: number) {
    if (scopes.length === 0) return [];
    const params: unknown[] = [];
    const clauses = scopes.map((s) => {
      params.push(s.villageId ?? s.townshipId, s.role);
      const scope = `t.${s.villageId ? 'village_id' : 'township_id'} = $${params.length - 1} AND t.role = $${params.length}`;
      if (!s.startedBy) return `(${scope})`;
      params.push(s.startedBy);
      return `(${scope} AND EXISTS (SELECT 1 FROM instances i WHERE i.id = t.instance_id AND i.started_by = $${params.length}))`;
    });
    params.push(limit);
    return (await this.all(`SELECT t.* FROM tasks t WHERE ${clauses.join(' OR ')} ORDER BY t.overdue DESC, t.since ASC, t.instance_id LIMIT $${params.length}`, params)).map(task);
  }

  /**
   * Claims up to `limit` due timers for this process: each is leased for TIMER_LEASE_MS (server
   * time) and skipped by every other process meanwhile. Rows another process is claiming at this
   * very moment are skipped, not waited for. Delivering the timer deletes or reschedules its row in
   * the same transaction as the TIMER record; a delivery that fails leaves it claimed until the
   * lease runs out, and then any process may try again.
   */
  async dueTimers(now: string, limit: number) {
    const leaseEnd = new Date(Date.parse(now) + TIMER_LEASE_MS).toISOString();
    return (
      await this.all(
        `WITH claimed AS (
           UPDATE timers t SET claimed_until = $2 FROM (
             SELECT instance_id, timer_id FROM timers WHERE due <= $1 AND (claimed_until IS NULL OR claimed_until <= $1)
             ORDER BY due, instance_id, timer_id LIMIT $3 FOR UPDATE SKIP LOCKED
           ) d WHERE t.instance_id = d.instance_id AND t.timer_id = d.timer_id
           RETURNING t.instance_id, t.timer_id, t.due
         ) SELECT * FROM claimed ORDER BY due, instance_id, timer_id`,
        [now, leaseEnd, limit],
      )
    ).map((r) => ({ instanceId: r.instance_id as string, timerId: r.timer_id as string, due: r.due as string }));
  }

  async disclosures(villageId: string, opts: { current: boolean; now: string; limit: number }) {
    const sql = opts.current
      ? 'SELECT * FROM disclosures WHERE village_id = $1 AND ended_at IS NULL AND from_at <= $2 ORDER BY from_at DESC LIMIT $3'
      : 'SELECT * FROM disclosures WHERE village_id = $1 AND ended_at IS NOT NULL AND from_at <= $2 ORDER BY ended_at DESC LIMIT $3';
    return (await this.all(sql, [villageId, opts.now, opts.limit])).map(rows.disclosure);
  }

  async audit(e: { townshipId: string; at: string; actorId: string; action: string; target: string; details: Record<string, unknown> }) {
    await this.run(this.pool, 'INSERT INTO audit_log (township_id, at, actor_id, action, target, details) VALUES ($1, $2, $3, $4, $5, $6)', [
      e.townshipId, e.at, e.actorId, e.action, e.target, JSON.stringify(e.details),
    ]);
  }
  async auditLog(townshipId: string, limit: number) {
    return (await this.all('SELECT * FROM audit_log WHERE township_id = $1 ORDER BY id DESC LIMIT $2', [townshipId, limit])).map(rows.audit);
  }

  async calendarYears(townshipId: string) {
    return currentYears((await this.all(CALENDAR_YEARS_SQL, [townshipId])));
  }
  async listTownships() {
    return (await this.all('SELECT id, name FROM townships ORDER BY id')).map((r) => ({ id: r.id as string, name: r.name as string }));
  }
  async calendarTownships() {
    return (await this.all('SELECT DISTINCT township_id FROM calendar_adoptions ORDER BY township_id')).map((r) => r.township_id as string);
  }
  async getCalendarVersions(hashes: string[]) {
    if (!hashes.length) return [];
    return (await this.all('SELECT hash, json FROM calendar_versions WHERE hash = ANY($1) ORDER BY year, hash', [hashes])).map(calendarOfRow);
  }
  private async insertCalendar(db: Db, v: CalendarVersion, at: string) {
    const r = calendarRow(v);
    await this.run(db, CALENDAR_INSERT_SQL, [r.hash, r.year, r.status, r.json, at]);
  }
  async putCalendarVersions(versions: CalendarVersion[], at: string) {
    if (!versions.length) return;
    await this.tx(async (c) => {
      for (const v of versions) await this.insertCalendar(c, v, at);
    });
  }
  async adoptCalendar(a: { townshipId: string; version: CalendarVersion; by: string; at: string }, e: { townshipId: string; at: string; actorId: string; action: string; target: string; details: Record<string, unknown> }) {
    await this.tx(async (c) => {
      await this.insertCalendar(c, a.version, a.at);
      await this.run(c, CALENDAR_ADOPT_SQL, [a.townshipId, a.version.year, a.version.hash, a.by, a.at]);
      await this.run(c, 'INSERT INTO audit_log (township_id, at, actor_id, action, target, details) VALUES ($1, $2, $3, $4, $5, $6)', [e.townshipId, e.at, e.actorId, e.action, e.target, JSON.stringify(e.details)]);
    });
  }

  async instanceStats(townshipId: string) {
    const instances = (
      await this.all(
        `SELECT i.id, i.village_id, i.flow_id, i.flow_version_id, i.status,
           EXISTS (SELECT 1 FROM tasks t WHERE t.instance_id = i.id AND t.overdue) AS overdue
         FROM instances i WHERE i.township_id = $1 ORDER BY i.id`,
        [townshipId],
      )
    ).map((r) => rows.instanceStat({ ...r, overdue: r.overdue === true ? 1 : 0 }));
    const entries = (
      await this.all(
        `SELECT x.instance_id, x.seq, x.state, x.at FROM (
           SELECT h.instance_id, h.seq, h.state, h.at, LAG(h.state) OVER (PARTITION BY h.instance_id ORDER BY h.seq) AS prev_state
           FROM history h JOIN instances i ON i.id = h.instance_id WHERE i.township_id = $1
         ) x WHERE x.prev_state IS NULL OR x.prev_state <> x.state ORDER BY x.instance_id, x.seq`,
        [townshipId],
      )
    ).map(rows.stateEntry);
    return { instances, entries };
  }

  async listCatalogue(townshipId: string) {
    return (await this.all('SELECT * FROM catalogue_items WHERE township_id = $1 ORDER BY code', [townshipId])).map(rows.catalogueItem);
  }
  async getCatalogueItem(id: string) {
    const r = await this.get('SELECT * FROM catalogue_items WHERE id = $1', [id]);
    return r ? rows.catalogueItem(r) : null;
  }
  async getCatalogueItemByCode(townshipId: string, code: string) {
    const r = await this.get('SELECT * FROM catalogue_items WHERE township_id = $1 AND code = $2', [townshipId, code]);
    return r ? rows.catalogueItem(r) : null;
  }
  async upsertCatalogueItems(items: CatalogueItem[]) {
    await this.tx(async (c) => {
      for (const i of items) {
        const taken = await this.get('SELECT id FROM catalogue_items WHERE township_id = $1 AND code = $2 AND id <> $3', [i.townshipId, i.code, i.id], c);
        if (taken) throw new ConflictError(`item code ${i.code} is already used by another item`);
        const existing = await this.get('SELECT township_id FROM catalogue_items WHERE id = $1', [i.id], c);
        if (existing && existing.township_id !== i.townshipId) throw new NotFoundError(`catalogue item ${i.id} does not exist`);
        try {
          await c.query(
            `INSERT INTO catalogue_items (id, township_id, code, name, type, department, legal_basis, service_object, conditions, materials, promised_days, statutory_days, fee, mode, flow_id, updated_by, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
             ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name, type = excluded.type, department = excluded.department,
               legal_basis = excluded.legal_basis, service_object = excluded.service_object, conditions = excluded.conditions, materials = excluded.materials,
               promised_days = excluded.promised_days, statutory_days = excluded.statutory_days, fee = excluded.fee, mode = excluded.mode,
               flow_id = excluded.flow_id, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
            [i.id, i.townshipId, i.code, i.name, i.type, i.department, i.legalBasis, i.serviceObject, i.conditions, JSON.stringify(i.materials),
              i.promisedDays, i.statutoryDays, i.fee, i.mode, i.flowId, i.updatedBy, i.updatedAt],
          );
        } catch (error) {
          // The code check above cannot see another process's uncommitted import of the same code.
          if (isUniqueViolation(error)) throw new ConflictError(`item code ${i.code} is already used by another item`);
          throw error;
        }
      }
    });
  }
  async deleteCatalogueItem(id: string) {
    return ((await this.pool.query('DELETE FROM catalogue_items WHERE id = $1', [id])).rowCount ?? 0) === 1;
  }
  // As in SQLite: the score from the snapshot's data, lateness from a fired deadline timer.
  async serviceStats(townshipId: string, flowIds: string[]) {
    return (
      await this.all(
        `SELECT i.id, i.village_id, i.flow_id, i.status, c.item_id, c.item_code, c.item_name,
           CASE WHEN jsonb_typeof(i.snapshot::jsonb #> '{context,data,rating,score}') = 'number'
             THEN (i.snapshot::jsonb #> '{context,data,rating,score}')::float8 END AS score,
           EXISTS (SELECT 1 FROM history h WHERE h.instance_id = i.id AND h.type = 'TIMER'
             AND (h.payload::jsonb ->> 'timer') LIKE '%:deadline') AS late
         FROM instances i LEFT JOIN catalogue_starts c ON c.instance_id = i.id
         WHERE i.township_id = $1 AND (c.instance_id IS NOT NULL OR i.flow_id = ANY($2))
         ORDER BY i.id`,
        [townshipId, flowIds],
      )
    ).map((r) => rows.serviceStat({ ...r, late: r.late === true ? 1 : 0 }));
  }

  // As in SQLite: two index ranges of the township and its overdue tasks.
  async overviewStats(townshipId: string) {
    const overdue = new Set((await this.all('SELECT DISTINCT instance_id FROM tasks WHERE township_id = $1 AND overdue', [townshipId])).map((r) => r.instance_id as string));
    const instances = (
      await this.pool.query({
        text: `SELECT o.instance_id, o.village_id, o.flow_id, o.status, c.item_id, c.item_code, c.item_name, o.score, o.late, o.flow_version_id,
                 CASE WHEN o.status = 'done' THEN o.entered_ms - o.started_ms END AS ms
               FROM instance_stats o LEFT JOIN catalogue_starts c ON c.instance_id = o.instance_id WHERE o.township_id = $1 ORDER BY o.instance_id`,
        values: [townshipId],
        rowMode: 'array',
      })
    ).rows.map(rows.overviewInstance(overdue));
    const visits = (
      await this.pool.query({
        text: `SELECT flow_id, state, village_id, sum(ms)::bigint, string_agg(ms::text, ',' ORDER BY ms) FROM state_visits WHERE township_id = $1
               GROUP BY flow_id, state, village_id ORDER BY flow_id, state, village_id`,
        values: [townshipId],
        rowMode: 'array',
      })
    ).rows.map((r): OverviewVisitsRow => {
      const [flowId, state, villageId, totalMs, list] = r as [string, string, string, number, string];
      return { flowId, state, villageId, totalMs, durations: integers(list) };
    });
    return { instances, visits };
  }
}
