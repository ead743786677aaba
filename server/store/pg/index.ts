// The PostgreSQL store (pg): what several server processes share. Its queries are the one store's
// (../store.ts); here they are executed, each on a statement PostgreSQL prepares once per
// connection. Every write that belongs together runs in one transaction on one pooled connection. Concurrency is the database's job:
// an event is accepted only by the UPDATE that still finds the sequence number its sender saw
// (a concurrent one waits for the row lock, then finds the new number and is a ConflictError), and
// due timers are claimed with FOR UPDATE SKIP LOCKED plus a lease, so one process delivers each.
import pg from 'pg';
import type { PersonalValue } from '../../../engine/index.ts';
import { ConflictError, NotFoundError, type CatalogueStart, type EventWrite, type Store } from '../types.ts';
import { deadlineFired, ratingScore } from '../overview.ts';
import * as rows from '../sqlite/rows.ts';
import { migrationsFor } from '../migrations.ts';
import * as q from '../sql.ts';
import { driveAsync, numbered, postgres, type Query, type Row, type Tx } from '../sql.ts';
import { SqlStore, type InstanceKey } from '../store.ts';

type Db = pg.Pool | pg.PoolClient;

/** How long a claimed timer belongs to the process that claimed it (in the server's clock). */
export const TIMER_LEASE_MS = 60_000;
// Any constant shared by every villageflow process: migrations run under this advisory lock.
const MIGRATION_LOCK = 0x76666c6f; // "vflo"

const int8AsNumber: pg.CustomTypesConfig = {
  // count(*) and BIGINT ids: JavaScript numbers (they stay far below 2^53), as SQLite gives them.
  getTypeParser: ((oid: number, format?: string) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text'))) as pg.CustomTypesConfig['getTypeParser'],
};

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

export class PgStore extends SqlStore {
  readonly pool: pg.Pool;
  protected readonly d = postgres;

  constructor(connectionString: string, options: { max?: number } = {}) {
    super();
    this.pool = new pg.Pool({ connectionString, max: options.max ?? 10, types: int8AsNumber });
    // An idle connection the server dropped must not take the process down; the next query reconnects.
    this.pool.on('error', () => {});
  }

  private async exec(db: Db, query: Query): Promise<unknown> {
    const config: pg.QueryConfig & { rowMode?: 'array' } = named(numbered(query.sql), query.params);
    if (query.mode === 'rows') config.rowMode = 'array';
    const result = await db.query(config);
    switch (query.mode) {
      case 'all':
      case 'rows':
        return result.rows;
      case 'get':
        return result.rows[0];
      case 'run':
        return result.rowCount ?? 0;
    }
  }
  // Other server processes on the same database commit unseen: no roster is kept (rosterMark stays null).
  protected query(query: Query): Promise<unknown> {
    return this.exec(this.pool, query);
  }
  protected transaction<T>(body: () => Tx<T>): Promise<T> {
    return this.tx((c) => driveAsync(body(), (query) => this.exec(c, query)));
  }
  private async allOn(sql: string, params: unknown[] = [], db: Db = this.pool): Promise<Row[]> {
    return (await db.query(named(sql, params))).rows as Row[];
  }
  private async getOn(sql: string, params: unknown[] = [], db: Db = this.pool): Promise<Row | undefined> {
    return (await db.query(named(sql, params))).rows[0] as Row | undefined;
  }
  private async runOn(db: Db, sql: string, params: unknown[]): Promise<void> {
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
      const applied = new Set((await this.allOn('SELECT version FROM schema_migrations', [], c)).map((r) => r.version as number));
      let count = 0;
      for (const m of migrationsFor('postgres')) {
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

  /** The personal values a record commits to, in the record's transaction (one statement; none for most records). */
  private async insertPersonal(c: pg.PoolClient, instanceId: string, values: PersonalValue[] | undefined) {
    if (!values?.length) return;
    const params = values.flatMap((v) => rows.personalRow(instanceId, v));
    const n = params.length / values.length;
    const tuples = values.map((_, i) => `(${Array.from({ length: n }, (_, j) => `$${i * n + j + 1}`).join(', ')})`);
    await this.runOn(c, `INSERT INTO personal_values (${rows.personalColumns}) VALUES ${tuples.join(', ')}`, params);
  }

  /** The event's effects (the one store's), then the instance's open steps as task rows in one statement (none left from before). */
  private async writeEffectsAndTasks(c: pg.PoolClient, instance: InstanceKey, w: Omit<EventWrite, 'expectedSeq' | 'instanceId'>) {
    await driveAsync(this.writeEffects(instance, w), (query) => this.exec(c, query));
    const taskRows = w.tasks.flatMap((t) => t.roles.map((role) => [instance.id, role, instance.villageId, instance.townshipId, instance.flowId, instance.title, t.state, t.since, t.due, t.overdue]));
    if (taskRows.length) {
      const values = taskRows.map((_, i) => `(${Array.from({ length: 10 }, (_, j) => `$${i * 10 + j + 1}`).join(', ')})`);
      await this.runOn(c, `INSERT INTO tasks (instance_id, role, village_id, township_id, flow_id, title, state, since, due, overdue) VALUES ${values.join(', ')}`, taskRows.flat());
    }
  }

  async createInstance(i: Parameters<Store['createInstance']>[0], first: Parameters<Store['createInstance']>[1], catalogueStart?: CatalogueStart) {
    await this.tx(async (c) => {
      await driveAsync(this.insertInstance(i, first, catalogueStart), (query) => this.exec(c, query));
      await this.runOn(c, 'INSERT INTO history (instance_id, seq, type, actor_id, role, at, payload, state, prev, hash, calendars) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)', [
        i.id, ...SqlStore.recordValues(first.record),
      ]);
      await this.insertPersonal(c, i.id, first.personal);
      await this.writeEffectsAndTasks(c, i, first);
    });
  }

  async appendEvent(w: EventWrite & { title?: string }) {
    await this.tx(async (c) => {
      const s = w.snapshot;
      // The compare-and-set on seq: a concurrent writer holds the row lock until it commits; this
      // UPDATE then re-reads the row, finds the new seq and changes nothing.
      const current = await this.getOn(
        `UPDATE instances SET state = $1, status = $2, outcome = $3, seq = $4, head = $5, snapshot = $6, title = coalesce($7, title), updated_at = $8,
           flow_version_id = coalesce($9, flow_version_id)
         WHERE id = $10 AND seq = $11 RETURNING village_id, township_id, flow_id, title`,
        [s.state, s.status, s.outcome, s.seq, s.hash, JSON.stringify(s), w.title ?? null, w.record.at, w.flowVersionId ?? null, w.instanceId, w.expectedSeq],
        c,
      );
      if (!current) {
        if (!(await this.getOn('SELECT 1 FROM instances WHERE id = $1', [w.instanceId], c))) throw new NotFoundError(`instance ${w.instanceId} does not exist`);
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
    await this.runOn(
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
        ratingScore(w.snapshot), deadlineFired(r), r.type, r.actor.id, r.actor.role, r.at, JSON.stringify(r.payload), r.prev, r.hash,
        r.calendars ? JSON.stringify(r.calendars) : null,
      ],
    );
  }

  /**
   * Claims up to `limit` due timers for this process: each is leased for TIMER_LEASE_MS (server
   * time) and skipped by every other process meanwhile. Rows another process is claiming at this
   * very moment are skipped, not waited for. Delivering the timer deletes or reschedules its row in
   * the same transaction as the TIMER record; a delivery that fails leaves it claimed until the
   * lease runs out, and then any process may try again.
   */
  override async dueTimers(now: string, limit: number) {
    const leaseEnd = new Date(Date.parse(now) + TIMER_LEASE_MS).toISOString();
    return (
      await this.allOn(
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
}
