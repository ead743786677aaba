// The one store: every query of the Store interface written once, in SQL both SQLite and
// PostgreSQL run (server/store/sql.ts holds the few fragments that differ). The two classes
// beside it (sqlite/index.ts, pg/index.ts) only execute queries and transactions, migrate, and
// keep what each database does its own way for speed: the event write (SQLite: a group commit of
// several events per COMMIT; PostgreSQL: one round trip for the history record and the overview's
// rows) and, in PostgreSQL, the lease on due timers that several server processes share.
import type { CalendarVersion, HistoryRecord } from '../../engine/index.ts';
import { CALENDAR_ADOPT_SQL, CALENDAR_INSERT_SQL, CALENDAR_YEARS_SQL, calendarOfRow, calendarRow, currentYears } from './calendars.ts';
import { ascending, deadlineFired, integers, ratingScore } from './overview.ts';
import * as rows from './sqlite/rows.ts';
import { changeSets } from './changes.ts';
import * as q from './sql.ts';
import type { Dialect, Query, Row, Tx } from './sql.ts';
import {
  ConflictError,
  type BodyOnDay,
  NotFoundError,
  SIGN_INS_KEPT,
  type AuditEntry,
  type CatalogueRole,
  type BodyCount,
  type CatalogueItem,
  type CatalogueStart,
  type EventWrite,
  type FlowVersion,
  type InboxScope,
  type Instance,
  type InstanceFilter,
  type MatterPerson,
  type OverviewVisitsRow,
  type RoleGrant,
  type Session,
  type SignIn,
  type Store,
  type User,
} from './types.ts';

type Audit = Omit<AuditEntry, 'id'>;
/** What an event's rows name of their instance. */
export interface InstanceKey {
  id: string;
  villageId: string;
  townshipId: string;
  flowId: string;
  title: string;
}

const AUDIT_INSERT = 'INSERT INTO audit_log (township_id, at, actor_id, action, target, details) VALUES (?, ?, ?, ?, ?, ?)';
const auditQuery = (e: Audit, details: Record<string, unknown> = e.details) => q.run(AUDIT_INSERT, e.townshipId, e.at, e.actorId, e.action, e.target, JSON.stringify(details));
/** `UPDATE table SET` the given fields of a partial change (changes.ts), or null when none is given. */
function updateOf<T extends object>(table: string, id: string, change: T, columns: { [K in keyof T]-?: string }): Query | null {
  const sets = changeSets(change, columns);
  return sets.columns.length ? q.run(`UPDATE ${table} SET ${sets.columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`, ...sets.values, id) : null;
}
const insertCalendar = (v: CalendarVersion, at: string) => {
  const r = calendarRow(v);
  return q.run(CALENDAR_INSERT_SQL, r.hash, r.year, r.status, r.json, at);
};

/** Rosters kept at the most (per village, role and day; a meeting's record reads one). */
const ROSTERS_KEPT = 1000;
/** A body on a day (bodyOnDay): its count row (kind 'count'), or else its active members (kind 'member'), by user id. */
const BODY_ON_DAY_SQL = `SELECT * FROM (
  SELECT 'count' AS kind, id, township_id, village_id, role, count, effective_from, source, recorded_by, recorded_at, CAST(NULL AS TEXT) AS user_id, CAST(NULL AS TEXT) AS display_name, CAST(NULL AS BOOLEAN) AS probationary
  FROM body_counts WHERE village_id = ? AND role = ? ORDER BY CASE WHEN effective_from <= ? THEN 0 ELSE 1 END, effective_from DESC, id DESC LIMIT 1
) c
UNION ALL
SELECT * FROM (
  SELECT 'member' AS kind, CAST(NULL AS BIGINT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS INTEGER), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), u.id, u.display_name, r.probationary
  FROM user_roles r JOIN users u ON u.id = r.user_id
  WHERE r.village_id = ? AND r.role = ? AND u.deactivated_at IS NULL AND NOT EXISTS (SELECT 1 FROM body_counts b WHERE b.village_id = ? AND b.role = ?)
  ORDER BY u.id
) m`;
/** A body as kept: nobody who is handed it can change it for the next reader. */
const frozen = (b: BodyOnDay): BodyOnDay => {
  for (const m of b.members) Object.freeze(m);
  if (b.count) Object.freeze(b.count);
  Object.freeze(b.members);
  return Object.freeze(b);
};

export abstract class SqlStore implements Store {
  protected abstract readonly d: Dialect;
  /** One query outside a transaction (SQLite answers at once, PostgreSQL with a promise). */
  protected abstract query(query: Query): unknown;
  /** The body in one transaction: all of it or nothing. */
  protected abstract transaction<T>(body: () => Tx<T>): Promise<T>;
  /**
   * A mark that moves whenever anything writes to the tables a roster is read from (users,
   * user_roles, body_counts), where the store can know it (SQLite: its one connection's writes and
   * other connections' commits); null where it cannot (several server processes on PostgreSQL).
   * While it stays, a body read by bodyOnDay is kept for the next meeting record of that body that day.
   */
  protected rosterMark(): string | null {
    return null;
  }
  private rosters = new Map<string, { mark: string; body: BodyOnDay }>();

  abstract migrate(): Promise<number>;
  abstract close(): Promise<void>;
  abstract createInstance(i: Parameters<Store['createInstance']>[0], first: Parameters<Store['createInstance']>[1], catalogueStart?: CatalogueStart): Promise<void>;
  abstract appendEvent(w: EventWrite & { title?: string }): Promise<void>;

  protected async all(sql: string, ...params: unknown[]): Promise<Row[]> {
    return (await this.query(q.all(sql, ...params))) as Row[];
  }
  protected async get(sql: string, ...params: unknown[]): Promise<Row | undefined> {
    return (await this.query(q.get(sql, ...params))) as Row | undefined;
  }
  protected async run(sql: string, ...params: unknown[]): Promise<number> {
    return (await this.query(q.run(sql, ...params))) as number;
  }

  async createTownship(t: { id: string; name: string }) {
    await this.run('INSERT INTO townships (id, name) VALUES (?, ?)', t.id, t.name);
  }
  async getTownship(id: string) {
    const r = await this.get('SELECT id, name FROM townships WHERE id = ?', id);
    return r ? { id: r.id as string, name: r.name as string } : null;
  }
  async listTownships() {
    return (await this.all('SELECT id, name FROM townships ORDER BY id')).map((r) => ({ id: r.id as string, name: r.name as string }));
  }
  async createVillage(v: { id: string; townshipId: string; name: string; kind: 'village' | 'community' }) {
    await this.run('INSERT INTO villages (id, township_id, name, kind) VALUES (?, ?, ?, ?)', v.id, v.townshipId, v.name, v.kind);
  }
  async getVillage(id: string) {
    const r = await this.get('SELECT * FROM villages WHERE id = ?', id);
    return r ? rows.village(r) : null;
  }
  async listVillages(townshipId: string) {
    return (await this.all('SELECT * FROM villages WHERE township_id = ? ORDER BY id', townshipId)).map(rows.village);
  }

  /** Users with their roles, in the order given (one query for the roles of all of them). */
  private async users(found: Row[]): Promise<User[]> {
    if (found.length === 0) return [];
    // One user (every signed-in request reads its user) by the key alone.
    const grants =
      found.length === 1
        ? await this.all("SELECT user_id, role, village_id FROM user_roles WHERE user_id = ? ORDER BY coalesce(village_id, ''), role", found[0]!.id)
        : await this.all(`SELECT user_id, role, village_id FROM user_roles WHERE ${this.d.inList('user_id')} ORDER BY user_id, coalesce(village_id, ''), role`, this.d.list(found.map((r) => r.id)));
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
      mustChangePassword: q.truthy(r.must_change_password),
      mobile: (r.mobile as string | null) ?? null,
      deactivatedAt: (r.deactivated_at as string | null) ?? null,
    }));
  }
  private *insertRoles(userId: string, roles: RoleGrant[]): Tx<void> {
    for (const g of roles) yield q.run('INSERT INTO user_roles (user_id, role, village_id) VALUES (?, ?, ?)', userId, g.role, g.villageId);
  }
  async createUser(u: Parameters<Store['createUser']>[0]) {
    const self = this;
    await this.transaction(function* () {
      yield* self.insertUser(u);
    });
  }
  private *insertUser(u: Parameters<Store['createUser']>[0]): Tx<void> {
    yield q.run(
      'INSERT INTO users (id, township_id, username, display_name, password_hash, must_change_password, mobile) VALUES (?, ?, ?, ?, ?, ?, ?)',
      u.id, u.townshipId, u.username, u.displayName, u.passwordHash, this.d.bool(u.mustChangePassword ?? false), u.mobile ?? null,
    );
    yield* this.insertRoles(u.id, u.roles);
  }
  async createUsers(users: Parameters<Store['createUsers']>[0], audits: Parameters<Store['createUsers']>[1]) {
    const d = this.d;
    const self = this;
    try {
      await this.transaction(function* () {
        for (const u of users) yield* self.insertUser(u);
        for (const e of audits) yield auditQuery(e);
      });
    } catch (error) {
      if (d.isUniqueViolation(error)) throw new ConflictError('a user name or mobile number is taken already; nobody was added');
      throw error;
    }
  }
  async getUser(id: string) {
    const [u] = await this.users(await this.all('SELECT * FROM users WHERE id = ?', id));
    return u ?? null;
  }
  /** The user of the one row found, with the password hash. */
  private async userWithSecret(r: Row | undefined) {
    if (!r) return null;
    const [u] = await this.users([r]);
    return { ...u!, passwordHash: r.password_hash as string };
  }
  async getUserByUsername(username: string) {
    return this.userWithSecret(await this.get('SELECT * FROM users WHERE username = ?', username));
  }
  async getUserByMobile(mobile: string) {
    return this.userWithSecret(await this.get('SELECT * FROM users WHERE mobile = ?', mobile));
  }
  async listUsers(townshipId: string) {
    return this.users(await this.all('SELECT * FROM users WHERE township_id = ? ORDER BY username', townshipId));
  }
  async displayNames(townshipId: string, ids: readonly string[]) {
    if (ids.length === 0) return new Map<string, string>();
    const found = await this.all(`SELECT id, display_name FROM users WHERE township_id = ? AND ${this.d.inList('id')}`, townshipId, this.d.list([...ids]));
    return new Map(found.map((r) => [r.id as string, r.display_name as string]));
  }
  async setRoles(userId: string, roles: RoleGrant[]) {
    const self = this;
    await this.transaction(function* () {
      // A grant that stays keeps its probationary mark (roster: a probationary party member).
      const probationary = (yield q.all('SELECT role, village_id FROM user_roles WHERE user_id = ? AND probationary = TRUE', userId)) as Row[];
      yield q.run('DELETE FROM user_roles WHERE user_id = ?', userId);
      yield* self.insertRoles(userId, roles);
      for (const g of probationary) yield q.run('UPDATE user_roles SET probationary = TRUE WHERE user_id = ? AND role = ? AND village_id = ?', userId, g.role, g.village_id);
    });
  }
  async listRoles(townshipId: string) {
    return (await this.all('SELECT * FROM role_catalogue WHERE township_id = ? ORDER BY built_in DESC, created_at, key', townshipId)).map(rows.catalogueRole);
  }
  async addRoles(townshipId: string, roles: CatalogueRole[], audits: Audit[]) {
    const self = this;
    await this.transaction(function* () {
      yield* self.insertCatalogueRoles(townshipId, roles, false);
      for (const e of audits) yield auditQuery(e);
    });
  }
  private *insertCatalogueRoles(townshipId: string, roles: CatalogueRole[], ifAbsent: boolean): Tx<void> {
    for (const r of roles) {
      const added = (yield q.run(
        `INSERT INTO role_catalogue (township_id, key, label_zh, label_en, scope, built_in, own_matters, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (township_id, key) DO NOTHING`,
        townshipId, r.key, r.label.zh, r.label.en, r.scope, this.d.bool(r.builtIn), this.d.bool(r.ownMatters), r.createdBy, r.createdAt,
      )) as number;
      if (!added && !ifAbsent) throw new ConflictError(`the township has a role ${r.key} already`);
    }
  }
  async setRoleLabel(townshipId: string, role: CatalogueRole, label: CatalogueRole['label'], audit: Audit) {
    const self = this;
    await this.transaction(function* () {
      yield* self.insertCatalogueRoles(townshipId, [role], true);
      yield q.run('UPDATE role_catalogue SET label_zh = ?, label_en = ? WHERE township_id = ? AND key = ?', label.zh, label.en, townshipId, role.key);
      yield auditQuery(audit);
    });
  }
  async setPassword(userId: string, passwordHash: string, mustChange: boolean) {
    await this.run('UPDATE users SET password_hash = ?, must_change_password = ? WHERE id = ?', passwordHash, this.d.bool(mustChange), userId);
  }
  async updateUser(id: string, change: { displayName?: string; mobile?: string | null; deactivatedAt?: string | null }) {
    const update = updateOf('users', id, change, { displayName: 'display_name', mobile: 'mobile', deactivatedAt: 'deactivated_at' });
    if (!update) return;
    try {
      await this.query(update);
    } catch (error) {
      if (this.d.isUniqueViolation(error)) throw new ConflictError(`mobile ${change.mobile} is another user's`);
      throw error;
    }
  }
  async updateVillage(id: string, change: { name?: string; archivedAt?: string | null }) {
    const update = updateOf('villages', id, change, { name: 'name', archivedAt: 'archived_at' });
    if (update) await this.query(update);
  }
  async recordSignIn(userId: string, s: SignIn) {
    const d = this.d;
    await this.transaction(function* () {
      yield q.run('INSERT INTO sign_ins (user_id, at, address) VALUES (?, ?, ?)', userId, s.at, s.address);
      yield q.run(`DELETE FROM sign_ins WHERE user_id = ? AND ${d.rowId} NOT IN (SELECT ${d.rowId} FROM sign_ins WHERE user_id = ? ORDER BY at DESC LIMIT ?)`, userId, userId, SIGN_INS_KEPT);
    });
  }
  async signIns(userId: string, limit: number) {
    return (await this.all('SELECT at, address FROM sign_ins WHERE user_id = ? ORDER BY at DESC LIMIT ?', userId, limit)).map((r) => ({ at: r.at as string, address: r.address as string }));
  }
  async createSetupToken(tokenHash: string, at: string) {
    await this.run('INSERT INTO setup_tokens (token_hash, created_at) VALUES (?, ?)', tokenHash, at);
  }
  async setupTokenOpen(tokenHash: string) {
    return !!(await this.get('SELECT 1 FROM setup_tokens WHERE token_hash = ? AND used_at IS NULL', tokenHash));
  }
  async useSetupToken(tokenHash: string, at: string) {
    return (await this.run('UPDATE setup_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL', at, tokenHash)) === 1;
  }

  async createSession(s: Session) {
    await this.run('INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)', s.tokenHash, s.userId, s.createdAt, s.lastSeenAt, s.expiresAt);
  }
  async getSession(tokenHash: string) {
    const r = await this.get('SELECT * FROM sessions WHERE token_hash = ?', tokenHash);
    return r ? rows.session(r) : null;
  }
  async deleteSession(tokenHash: string) {
    await this.run('DELETE FROM sessions WHERE token_hash = ?', tokenHash);
  }
  async deleteSessionsOf(userId: string, keep: string | null) {
    await this.run('DELETE FROM sessions WHERE user_id = ? AND token_hash IS DISTINCT FROM ?', userId, keep);
  }
  async touchSession(tokenHash: string, at: string) {
    await this.run('UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?', at, tokenHash);
  }
  async recordLoginFailure(key: string, at: string) {
    await this.run('INSERT INTO login_failures (key, at) VALUES (?, ?)', key, at);
  }
  async loginFailures(key: string, since: string) {
    const r = (await this.get('SELECT count(*) AS n, max(at) AS last FROM login_failures WHERE key = ? AND at >= ?', key, since))!;
    return { count: Number(r.n), last: (r.last as string | null) ?? null };
  }
  async clearLoginFailures(key: string) {
    await this.run('DELETE FROM login_failures WHERE key = ?', key);
  }
  async pruneSignIns(p: { now: string; idleBefore: string; failuresBefore: string }) {
    return this.transaction(function* () {
      const sessions = (yield q.run('DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?', p.now, p.idleBefore)) as number;
      const loginFailures = (yield q.run('DELETE FROM login_failures WHERE at < ?', p.failuresBefore)) as number;
      return { sessions, loginFailures };
    });
  }

  async saveDraft(v: { townshipId: string; flowId: string; version: string; json: string; hash: string; title: string; createdBy: string; createdAt: string }) {
    const d = this.d;
    return this.transaction(function* (): Tx<FlowVersion> {
      const existing = (yield q.get(`SELECT * FROM flow_versions WHERE township_id = ? AND flow_id = ? AND version = ?${d.forUpdate}`, v.townshipId, v.flowId, v.version)) as Row | undefined;
      if (existing && existing.status === 'published') {
        throw new ConflictError(`${v.flowId} version ${v.version} is already published; drafts need a new version number`);
      }
      if (existing) {
        const r = (yield q.get('UPDATE flow_versions SET json = ?, hash = ?, title = ?, created_by = ?, created_at = ? WHERE id = ? RETURNING *', v.json, v.hash, v.title, v.createdBy, v.createdAt, existing.id)) as Row;
        return rows.flowVersion(r);
      }
      try {
        const r = (yield q.get(
          "INSERT INTO flow_versions (township_id, flow_id, version, status, json, hash, title, created_by, created_at) VALUES (?, ?, ?, 'draft', ?, ?, ?, ?, ?) RETURNING *",
          v.townshipId, v.flowId, v.version, v.json, v.hash, v.title, v.createdBy, v.createdAt,
        )) as Row;
        return rows.flowVersion(r);
      } catch (error) {
        // Another process saved the same version between our read and this insert.
        if (d.isUniqueViolation(error)) throw new ConflictError(`${v.flowId} version ${v.version} was saved at the same time by someone else; reload and try again`);
        throw error;
      }
    });
  }
  async publish(id: number, by: string, at: string, addRoles?: { townshipId: string; roles: CatalogueRole[] }) {
    const d = this.d;
    const self = this;
    return this.transaction(function* (): Tx<FlowVersion> {
      if (addRoles) yield* self.insertCatalogueRoles(addRoles.townshipId, addRoles.roles, false);
      const r = (yield q.get(`SELECT * FROM flow_versions WHERE id = ?${d.forUpdate}`, id)) as Row | undefined;
      if (!r) throw new NotFoundError(`flow version ${id} does not exist`);
      if (r.status === 'published') throw new ConflictError(`${r.flow_id} version ${r.version} is already published`);
      return rows.flowVersion((yield q.get("UPDATE flow_versions SET status = 'published', published_by = ?, published_at = ? WHERE id = ? RETURNING *", by, at, id)) as Row);
    });
  }
  async getFlowVersion(id: number) {
    const r = await this.get('SELECT * FROM flow_versions WHERE id = ?', id);
    return r ? rows.flowVersion(r) : null;
  }
  async findFlowVersion(townshipId: string, flowId: string, version: string) {
    const r = await this.get('SELECT * FROM flow_versions WHERE township_id = ? AND flow_id = ? AND version = ?', townshipId, flowId, version);
    return r ? rows.flowVersion(r) : null;
  }
  async listFlowVersions(townshipId: string, flowId?: string) {
    return (
      flowId
        ? await this.all('SELECT * FROM flow_versions WHERE township_id = ? AND flow_id = ? ORDER BY id', townshipId, flowId)
        : await this.all('SELECT * FROM flow_versions WHERE township_id = ? ORDER BY flow_id, id', townshipId)
    ).map(rows.flowVersion);
  }
  async publishedVersionIds(townshipId: string) {
    return (await this.all("SELECT id FROM flow_versions WHERE township_id = ? AND status = 'published' ORDER BY id", townshipId)).map((r) => Number(r.id));
  }
  async latestPublished(townshipId: string, flowId: string) {
    const r = await this.get("SELECT * FROM flow_versions WHERE township_id = ? AND flow_id = ? AND status = 'published' ORDER BY published_at DESC, id DESC LIMIT 1", townshipId, flowId);
    return r ? rows.flowVersion(r) : null;
  }
  async setFlowVillages(townshipId: string, flowId: string, villageIds: string[]) {
    await this.transaction(function* () {
      yield q.run('DELETE FROM flow_villages WHERE township_id = ? AND flow_id = ?', townshipId, flowId);
      for (const v of villageIds) yield q.run('INSERT INTO flow_villages (township_id, flow_id, village_id) VALUES (?, ?, ?)', townshipId, flowId, v);
    });
  }
  async flowVillages(townshipId: string, flowId: string) {
    return (await this.all('SELECT village_id FROM flow_villages WHERE township_id = ? AND flow_id = ? ORDER BY village_id', townshipId, flowId)).map((r) => r.village_id as string);
  }
  async flowsForVillage(villageId: string) {
    return (
      await this.all(
        `SELECT fv.* FROM flow_villages a JOIN villages v ON v.id = a.village_id AND v.township_id = a.township_id
         JOIN flow_versions fv ON fv.id = (SELECT id FROM flow_versions x WHERE x.township_id = a.township_id AND x.flow_id = a.flow_id
           AND x.status = 'published' ORDER BY x.published_at DESC, x.id DESC LIMIT 1)
         WHERE a.village_id = ? ORDER BY fv.flow_id`,
        villageId,
      )
    ).map(rows.flowVersion);
  }

  // ---- What an accepted event writes beside the instance row: the parts both databases write alike.

  /** A new instance's row, its starter (matter_people), its overview row (instance_stats) and the catalogue item it was started from. */
  protected *insertInstance(i: Parameters<Store['createInstance']>[0], first: Parameters<Store['createInstance']>[1], catalogueStart?: CatalogueStart): Tx<void> {
    const s = first.snapshot;
    yield q.run(
      `INSERT INTO instances (id, village_id, township_id, flow_version_id, flow_id, title, state, status, outcome, seq, head, snapshot, started_by, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      i.id, i.villageId, i.townshipId, i.flowVersionId, i.flowId, i.title, s.state, s.status, s.outcome, s.seq, s.hash, JSON.stringify(s), i.startedBy, i.createdAt, i.createdAt,
    );
    yield q.run("INSERT INTO matter_people (instance_id, person_id, relation) VALUES (?, ?, 'starter')", i.id, i.startedBy);
    const startedMs = Date.parse(first.record.at);
    yield q.run(
      'INSERT INTO instance_stats (township_id, instance_id, village_id, flow_id, flow_version_id, state, status, score, late, started_ms, entered_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      i.townshipId, i.id, i.villageId, i.flowId, i.flowVersionId, first.record.state, s.status, ratingScore(s), this.d.bool(deadlineFired(first.record)), startedMs, startedMs,
    );
    if (catalogueStart) {
      yield q.run(
        'INSERT INTO catalogue_starts (instance_id, township_id, item_id, item_code, item_name) VALUES (?, ?, ?, ?, ?)',
        i.id, i.townshipId, catalogueStart.itemId, catalogueStart.itemCode, catalogueStart.itemName,
      );
    }
  }

  /** The history record's columns after instance_id, in order. */
  protected static recordValues(r: HistoryRecord): unknown[] {
    return [r.seq, r.type, r.actor.id, r.actor.role, r.at, JSON.stringify(r.payload), r.state, r.prev, r.hash, r.calendars ? JSON.stringify(r.calendars) : null];
  }

  /** The event's timers, disclosures and ballots, the matter's subject when the record names one, and the roster its meeting numbers came from. */
  protected *writeEffects(instance: InstanceKey, w: Omit<EventWrite, 'expectedSeq' | 'instanceId'>): Tx<void> {
    if (w.roster) {
      const r = w.roster;
      yield q.run('INSERT INTO roster_snapshots (hash, village_id, role, json, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING', r.hash, r.villageId, r.role, r.json, r.createdAt);
    }
    // The person a record names as the matter's subject replaces the one before (undefined: unchanged).
    if (w.subject !== undefined) {
      yield q.run("DELETE FROM matter_people WHERE instance_id = ? AND relation = 'subject'", instance.id);
      if (w.subject !== null) yield q.run("INSERT INTO matter_people (instance_id, person_id, relation) VALUES (?, ?, 'subject')", instance.id, w.subject);
    }
    for (const e of w.effects) {
      if (e.type === 'timer.schedule') {
        yield q.run(this.d.timerUpsert, instance.id, e.timer, e.due);
      } else if (e.type === 'timer.cancel') {
        yield q.run('DELETE FROM timers WHERE instance_id = ? AND timer_id = ?', instance.id, e.timer);
      } else if (e.type === 'disclosure.publish') {
        yield q.run(
          'INSERT INTO disclosures (instance_id, village_id, flow_id, title, state, from_at, until_at, items, record_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          instance.id, instance.villageId, instance.flowId, instance.title, e.state, e.from, e.until, JSON.stringify(e.items), w.record.hash,
        );
      } else if (e.type === 'disclosure.end') {
        yield q.run('UPDATE disclosures SET ended_at = ? WHERE instance_id = ? AND state = ? AND ended_at IS NULL', e.at, instance.id, e.state);
      } else if (e.type === 'disclosure.reschedule') {
        yield q.run('UPDATE disclosures SET until_at = ? WHERE instance_id = ? AND state = ? AND ended_at IS NULL', e.until, instance.id, e.state);
      } else if (e.type === 'ballot.deposit') {
        yield q.run('INSERT INTO ballot_box (instance_id, ballot_id, choice) VALUES (?, ?, ?)', instance.id, e.ballot.id, e.ballot.choice);
      } else if (e.type === 'ballot.empty') {
        const [first, ...rest] = this.d.emptyBallotBox(instance.id);
        // A statement after a failed one (SQLite: turning secure_delete off again) still runs.
        try {
          yield first!;
        } finally {
          for (const statement of rest) yield statement;
        }
      }
    }
  }

  async flowVersionsOf(instanceIds: string[]) {
    const found = (await this.query(q.rowsOf(`SELECT id, flow_version_id FROM instances WHERE ${this.d.inList('id')}`, this.d.list(instanceIds)))) as [string, number][];
    return new Map(found);
  }

  async getInstance(id: string): Promise<Instance | null> {
    const r = await this.get('SELECT * FROM instances WHERE id = ?', id);
    return r ? rows.lazyInstance(r) : null;
  }

  async listInstances(f: InstanceFilter) {
    const d = this.d;
    const where = ['i.township_id = ?'];
    const params: unknown[] = [f.townshipId];
    // One village reads its own index range, newest first; several scan the township's, newest
    // first, filtered on the index, and stop at the limit. A list is one parameter, so the
    // statement is prepared once, not once per list length.
    if (f.villageIds?.length === 1) where.push('i.village_id = ?'), params.push(f.villageIds[0]);
    else if (f.villageIds) where.push(d.inList('i.village_id')), params.push(d.list(f.villageIds));
    if (f.read) {
      // Within the villages' range: the readable clauses, or the reader's own matters.
      const any = f.read.clauses.map((c) => {
        params.push(d.list(c.villageIds));
        if (c.flowVersionIds === null) return d.inList('i.village_id');
        params.push(d.list(c.flowVersionIds));
        return `(${d.inList('i.village_id')} AND ${d.inList('i.flow_version_id')})`;
      });
      where.push(`(${[...any, 'i.id IN (SELECT p.instance_id FROM matter_people p WHERE p.person_id = ?)'].join(' OR ')})`), params.push(f.read.person);
    }
    if (f.flowId) where.push('i.flow_id = ?'), params.push(f.flowId);
    if (f.state) where.push('i.state = ?'), params.push(f.state);
    if (f.status) where.push('i.status = ?'), params.push(f.status);
    if (f.overdue !== undefined) where.push(`${f.overdue ? '' : 'NOT '}EXISTS (SELECT 1 FROM tasks t WHERE t.instance_id = i.id AND t.overdue = TRUE)`);
    params.push(f.limit ?? 100, f.offset ?? 0);
    return (await this.all(`SELECT i.* FROM instances i WHERE ${where.join(' AND ')} ORDER BY i.updated_at DESC, i.id LIMIT ? OFFSET ?`, ...params)).map(rows.instance);
  }

  async history(instanceId: string): Promise<HistoryRecord[]> {
    return (await this.all('SELECT * FROM history WHERE instance_id = ? ORDER BY seq', instanceId)).map(rows.record);
  }

  async matterPeople(instanceId: string) {
    return (await this.all('SELECT person_id, relation FROM matter_people WHERE instance_id = ? ORDER BY relation, person_id', instanceId)).map((r) => ({
      personId: r.person_id as string,
      relation: r.relation as MatterPerson['relation'],
    }));
  }

  async personalValues(instanceId: string) {
    return (await this.all('SELECT * FROM personal_values WHERE instance_id = ? ORDER BY seq, pointer', instanceId)).map(rows.personalValue);
  }

  async erasePersonal(instanceId: string, e: Audit) {
    return this.transaction(function* () {
      const erased = (yield q.run('UPDATE personal_values SET value = NULL, salt = NULL, erased_at = ?, erased_by = ? WHERE instance_id = ? AND erased_at IS NULL', e.at, e.actorId, instanceId)) as number;
      yield auditQuery(e, { ...e.details, erased });
      return erased;
    });
  }

  async ballotBox(instanceId: string) {
    // One statement, so the seq and the box come from the same snapshot.
    const found = await this.all('SELECT i.seq, b.ballot_id, b.choice FROM instances i LEFT JOIN ballot_box b ON b.instance_id = i.id WHERE i.id = ? ORDER BY b.ballot_id', instanceId);
    return rows.ballotBox(found);
  }

  async bodyOnDay(villageId: string, role: string, day: string): Promise<BodyOnDay> {
    const mark = this.rosterMark();
    const key = `${villageId}\u0000${role}\u0000${day}`;
    if (mark !== null) {
      const kept = this.rosters.get(key);
      if (kept?.mark === mark) return kept.body;
    }
    const body = frozen(await this.readBodyOnDay(villageId, role, day));
    if (mark !== null && mark === this.rosterMark()) {
      if (this.rosters.size >= ROSTERS_KEPT) this.rosters.clear();
      this.rosters.set(key, { mark, body });
    }
    return body;
  }
  private async readBodyOnDay(villageId: string, role: string, day: string): Promise<BodyOnDay> {
    // One statement (one round trip on PostgreSQL, where nothing is kept): the count in force on the
    // day first, else (a body counted from a later day) any other; the members only when none exists.
    const found = await this.all(BODY_ON_DAY_SQL, villageId, role, day, villageId, role, villageId, role);
    const count = found.find((r) => r.kind === 'count');
    if (count) return { members: [], counted: true, count: (count.effective_from as string) <= day ? rows.bodyCount(count) : null };
    return { members: found.map((m) => ({ userId: m.user_id as string, displayName: m.display_name as string, probationary: q.truthy(m.probationary) })), counted: false, count: null };
  }
  async rosterMember(villageId: string, role: string, userId: string) {
    const r = await this.get(
      'SELECT r.probationary FROM user_roles r JOIN users u ON u.id = r.user_id WHERE r.village_id = ? AND r.role = ? AND r.user_id = ? AND u.deactivated_at IS NULL',
      villageId, role, userId,
    );
    return r ? { probationary: q.truthy(r.probationary) } : null;
  }
  async villageGrants(villageId: string) {
    return (
      await this.all(
        'SELECT u.id, u.display_name, u.deactivated_at, r.role, r.probationary FROM user_roles r JOIN users u ON u.id = r.user_id WHERE r.village_id = ? ORDER BY r.role, u.display_name, u.id',
        villageId,
      )
    ).map((r) => ({ userId: r.id as string, displayName: r.display_name as string, role: r.role as string, probationary: q.truthy(r.probationary), deactivatedAt: (r.deactivated_at as string | null) ?? null }));
  }
  async setProbationary(g: { userId: string; villageId: string; role: string; probationary: boolean }, e: Audit) {
    const d = this.d;
    return this.transaction(function* () {
      const changed = (yield q.run('UPDATE user_roles SET probationary = ? WHERE user_id = ? AND village_id = ? AND role = ?', d.bool(g.probationary), g.userId, g.villageId, g.role)) as number;
      if (changed) yield auditQuery(e);
      return changed > 0;
    });
  }
  async bodyCounts(villageId: string) {
    return (await this.all('SELECT * FROM body_counts WHERE village_id = ? ORDER BY role, effective_from DESC, id DESC', villageId)).map(rows.bodyCount);
  }
  async registerBodyCount(c: Omit<BodyCount, 'id'>, e: Audit) {
    return this.transaction(function* () {
      const r = (yield q.get(
        'INSERT INTO body_counts (township_id, village_id, role, count, effective_from, source, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *',
        c.townshipId, c.villageId, c.role, c.count, c.effectiveFrom, c.source, c.recordedBy, c.recordedAt,
      )) as Row;
      const count = rows.bodyCount(r);
      yield auditQuery(e, { ...e.details, id: count.id });
      return count;
    });
  }
  async rosterSnapshot(hash: string) {
    const r = await this.get('SELECT * FROM roster_snapshots WHERE hash = ?', hash);
    return r ? { hash: r.hash as string, villageId: r.village_id as string, role: r.role as string, json: r.json as string, createdAt: r.created_at as string } : null;
  }

  async inbox(scopes: InboxScope[], limit: number) {
    if (scopes.length === 0) return [];
    // One index range per scope, already in inbox order and cut at the limit; only the union of
    // those few rows is sorted, not every open task the scopes match. UNION drops a task that two
    // scopes both match, as the OR of the scopes would. A scope of one person's matters looks each
    // task's instance up in matter_people by its key.
    const one = (s: InboxScope, k: number) =>
      `SELECT * FROM (SELECT t.* FROM tasks t WHERE ${s.villageId ? 't.village_id' : 't.township_id'} = ? AND t.role = ?${s.person ? ' AND EXISTS (SELECT 1 FROM matter_people p WHERE p.instance_id = t.instance_id AND p.person_id = ?)' : ''} ORDER BY t.overdue DESC, t.since, t.instance_id LIMIT ?) s${k}`;
    const params = scopes.flatMap((s) => [s.villageId ?? s.townshipId, s.role, ...(s.person ? [s.person] : []), limit]);
    return (await this.all(`${scopes.map(one).join(' UNION ')} ORDER BY overdue DESC, since, instance_id, role LIMIT ?`, ...params, limit)).map(rows.task);
  }

  async dueTimers(now: string, limit: number) {
    return (await this.all('SELECT instance_id, timer_id, due FROM timers WHERE due <= ? ORDER BY due, instance_id, timer_id LIMIT ?', now, limit)).map((r) => ({
      instanceId: r.instance_id as string,
      timerId: r.timer_id as string,
      due: r.due as string,
    }));
  }

  async disclosures(villageId: string, opts: { current: boolean; now: string; limit: number }) {
    const sql = opts.current
      ? 'SELECT * FROM disclosures WHERE village_id = ? AND ended_at IS NULL AND from_at <= ? ORDER BY from_at DESC LIMIT ?'
      : 'SELECT * FROM disclosures WHERE village_id = ? AND ended_at IS NOT NULL AND from_at <= ? ORDER BY ended_at DESC LIMIT ?';
    return (await this.all(sql, villageId, opts.now, opts.limit)).map(rows.disclosure);
  }

  async audit(e: Audit) {
    await this.query(auditQuery(e));
  }
  async auditLog(townshipId: string, limit: number) {
    return (await this.all('SELECT * FROM audit_log WHERE township_id = ? ORDER BY id DESC LIMIT ?', townshipId, limit)).map(rows.audit);
  }

  async calendarYears(townshipId: string) {
    return currentYears(await this.all(CALENDAR_YEARS_SQL, townshipId));
  }
  async calendarTownships() {
    return (await this.all('SELECT DISTINCT township_id FROM calendar_adoptions ORDER BY township_id')).map((r) => r.township_id as string);
  }
  async getCalendarVersions(hashes: string[]) {
    if (!hashes.length) return [];
    return (await this.all(`SELECT hash, json FROM calendar_versions WHERE ${this.d.inList('hash')} ORDER BY year, hash`, this.d.list(hashes))).map(calendarOfRow);
  }
  async putCalendarVersions(versions: CalendarVersion[], at: string) {
    if (!versions.length) return;
    await this.transaction(function* () {
      for (const v of versions) yield insertCalendar(v, at);
    });
  }
  async adoptCalendar(a: { townshipId: string; version: CalendarVersion; by: string; at: string }, e: Audit) {
    await this.transaction(function* () {
      yield insertCalendar(a.version, a.at);
      yield q.run(CALENDAR_ADOPT_SQL, a.townshipId, a.version.year, a.version.hash, a.by, a.at);
      yield auditQuery(e);
    });
  }

  async listCatalogue(townshipId: string) {
    return (await this.all('SELECT * FROM catalogue_items WHERE township_id = ? ORDER BY code', townshipId)).map(rows.catalogueItem);
  }
  async getCatalogueItem(id: string) {
    const r = await this.get('SELECT * FROM catalogue_items WHERE id = ?', id);
    return r ? rows.catalogueItem(r) : null;
  }
  async getCatalogueItemByCode(townshipId: string, code: string) {
    const r = await this.get('SELECT * FROM catalogue_items WHERE township_id = ? AND code = ?', townshipId, code);
    return r ? rows.catalogueItem(r) : null;
  }
  async upsertCatalogueItems(items: CatalogueItem[]) {
    const d = this.d;
    await this.transaction(function* () {
      for (const i of items) {
        const taken = yield q.get('SELECT id FROM catalogue_items WHERE township_id = ? AND code = ? AND id <> ?', i.townshipId, i.code, i.id);
        if (taken) throw new ConflictError(`item code ${i.code} is already used by another item`);
        const existing = (yield q.get('SELECT township_id FROM catalogue_items WHERE id = ?', i.id)) as Row | undefined;
        if (existing && existing.township_id !== i.townshipId) throw new NotFoundError(`catalogue item ${i.id} does not exist`);
        try {
          yield q.run(
            `INSERT INTO catalogue_items (id, township_id, code, name, type, department, legal_basis, service_object, conditions, materials, promised_days, statutory_days, fee, mode, flow_id, updated_by, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name, type = excluded.type, department = excluded.department,
               legal_basis = excluded.legal_basis, service_object = excluded.service_object, conditions = excluded.conditions, materials = excluded.materials,
               promised_days = excluded.promised_days, statutory_days = excluded.statutory_days, fee = excluded.fee, mode = excluded.mode,
               flow_id = excluded.flow_id, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
            i.id, i.townshipId, i.code, i.name, i.type, i.department, i.legalBasis, i.serviceObject, i.conditions, JSON.stringify(i.materials),
            i.promisedDays, i.statutoryDays, i.fee, i.mode, i.flowId, i.updatedBy, i.updatedAt,
          );
        } catch (error) {
          // The code check above cannot see another process's uncommitted import of the same code.
          if (d.isUniqueViolation(error)) throw new ConflictError(`item code ${i.code} is already used by another item`);
          throw error;
        }
      }
    });
  }
  async deleteCatalogueItem(id: string) {
    return (await this.run('DELETE FROM catalogue_items WHERE id = ?', id)) === 1;
  }

  // Two index ranges of the township (instance_stats, state_visits) and its overdue tasks; rows as
  // arrays, as the overview reads thousands of them per call.
  async overviewStats(townshipId: string) {
    const d = this.d;
    const overdue = new Set(((await this.query(q.rowsOf('SELECT DISTINCT instance_id FROM tasks WHERE township_id = ? AND overdue = TRUE', townshipId))) as [string][]).map((r) => r[0]));
    const instances = (
      (await this.query(
        q.rowsOf(
          `SELECT o.instance_id, o.village_id, o.flow_id, o.status, c.item_id, c.item_code, c.item_name, o.score, o.late, o.flow_version_id,
             CASE WHEN o.status = 'done' THEN o.entered_ms - o.started_ms END AS ms
           FROM instance_stats o LEFT JOIN catalogue_starts c ON c.instance_id = o.instance_id WHERE o.township_id = ? ORDER BY o.instance_id`,
          townshipId,
        ),
      )) as unknown[][]
    ).map(rows.overviewInstance(overdue));
    const visits = (
      (await this.query(
        q.rowsOf(
          `SELECT flow_id, state, village_id, ${d.sumInts('ms')}, ${d.intList('ms')} FROM state_visits WHERE township_id = ?
           GROUP BY flow_id, state, village_id ORDER BY flow_id, state, village_id`,
          townshipId,
        ),
      )) as [string, string, string, number, string][]
    ).map(([flowId, state, villageId, totalMs, list]): OverviewVisitsRow => ({ flowId, state, villageId, totalMs, durations: ascending(integers(list)) }));
    return { instances, visits };
  }
}
