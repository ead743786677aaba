// `villageflow migrate-store --from sqlite:FILE --to postgres://…`: moves the townships of an SQLite
// database into PostgreSQL, where several server processes can share them (and where other
// townships of the county may already be). Every chain is verified twice: in the SQLite file before
// anything is copied (re-executed against its flow versions, ending in the stored head), and again
// as read back from PostgreSQL inside the copying transaction, which commits only if all of them
// hold. Nothing is written when anything fails. Sessions and sign-in failures are not moved: people
// sign in again on the new server. Nor are setup links: the target issues its own.
import Database from 'better-sqlite3';
import pg from 'pg';
import { compileFlow, verify, type CompiledFlow } from '../engine/index.ts';
import { verifyDatabase } from '../server/host/backup.ts';
import { PgStore } from '../server/store/pg/index.ts';
import { LATEST_VERSION } from '../server/store/migrations.ts';
import { pgOverviewBackfill } from '../server/store/overview.ts';
import { isPostgresUrl, describeStore } from '../server/store/open.ts';
import { calendarOfRow } from '../server/store/calendars.ts';
import * as rows from '../server/store/sqlite/rows.ts';
import { SCHEMA, toPostgres, type TableSchema } from '../server/store/schema.ts';
import { CliError } from './io.ts';
import type { Out } from './villageflow.ts';

type Row = Record<string, unknown>;

export interface MoveReport {
  townships: { id: string; name: string }[];
  counts: Record<string, number>;
  records: number;
}

export class MigrateStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrateStoreError';
  }
}

/** The tables moved, in order (foreign keys), as server/store/schema.ts describes them. */
const MOVED = SCHEMA.filter((t) => t.move !== 'rebuild' && t.move !== 'stay');

/** An SQLite row as PostgreSQL takes it: each column coerced by its kind (booleans). */
const coerce = (table: TableSchema, r: Row): Row => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, toPostgres(table.columns[k], v)]));

/** Inserts rows in batches (PostgreSQL takes at most 65535 parameters per statement). */
async function insertAll(c: pg.PoolClient, table: string, list: Row[], returning?: string): Promise<Row[]> {
  if (list.length === 0) return [];
  const columns = Object.keys(list[0]!);
  const perBatch = Math.max(1, Math.floor(60_000 / columns.length));
  const out: Row[] = [];
  for (let start = 0; start < list.length; start += perBatch) {
    const batch = list.slice(start, start + perBatch);
    const values = batch.map((_, i) => `(${columns.map((_, j) => `$${i * columns.length + j + 1}`).join(', ')})`);
    const result = await c.query(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.join(', ')}${returning ? ` RETURNING ${returning}` : ''}`,
      batch.flatMap((r) => columns.map((k) => r[k])),
    );
    out.push(...(result.rows as Row[]));
  }
  return out;
}

export async function moveToPostgres(sqlitePath: string, url: string): Promise<MoveReport> {
  const verdict = verifyDatabase(sqlitePath);
  if (!verdict.ok) throw new MigrateStoreError(`${sqlitePath} is refused, nothing was copied: ${verdict.reason}`);
  const source = new Database(sqlitePath, { readonly: true, fileMustExist: true });
  const target = new PgStore(url, { max: 1 });
  try {
    const version = (source.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number }).v;
    const known = LATEST_VERSION;
    if (version > known) throw new MigrateStoreError(`${sqlitePath} has schema version ${version}; the PostgreSQL schema of this villageflow stops at ${known}`);
    await target.migrate();
    // One read transaction: every table from the same moment, even if a server still writes.
    source.exec('BEGIN');
    const all = (table: string, order: string) => source.prepare(`SELECT * FROM ${table} ORDER BY ${order}`).all() as Row[];
    const townships = all('townships', 'id').map((r) => ({ id: r.id as string, name: r.name as string }));

    const c = await target.pool.connect();
    try {
      await c.query('BEGIN');
      // Refuse, by name, what the target already holds: a township is moved once, whole.
      const clash = async (sql: string, values: unknown[], what: string) => {
        const found = (await c.query(sql, [values])).rows[0] as Row | undefined;
        if (found) throw new MigrateStoreError(`${describeStore(url)} already has ${what} ${String(Object.values(found)[0])}; nothing was copied`);
      };
      await clash('SELECT id FROM townships WHERE id = ANY($1) LIMIT 1', townships.map((t) => t.id), 'township');
      await clash('SELECT username FROM users WHERE username = ANY($1) LIMIT 1', all('users', 'id').map((u) => u.username), 'user name');
      await clash('SELECT id FROM users WHERE id = ANY($1) LIMIT 1', all('users', 'id').map((u) => u.id), 'user');
      await clash('SELECT id FROM villages WHERE id = ANY($1) LIMIT 1', all('villages', 'id').map((v) => v.id), 'village');
      await clash('SELECT id FROM instances WHERE id = ANY($1) LIMIT 1', all('instances', 'id').map((i) => i.id), 'instance');
      await clash('SELECT id FROM catalogue_items WHERE id = ANY($1) LIMIT 1', all('catalogue_items', 'id').map((i) => i.id), 'catalogue item');

      const counts: Record<string, number> = {};
      const versionIds = new Map<number, number>();
      const present = new Set((source.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name));
      for (const table of MOVED) {
        // A table a file of an older schema lacks is not there to copy, or is made from what is there.
        const absent = version < table.since && !present.has(table.name);
        if (absent && !table.older) continue;
        let list = all(absent ? `(${table.older!})` : table.name, table.order!).map((r) => coerce(table, r));
        if (table.move === 'missing') {
          const have = new Set(((await c.query('SELECT hash FROM calendar_versions WHERE hash = ANY($1)', [list.map((r) => r.hash)])).rows as Row[]).map((r) => r.hash));
          list = list.filter((r) => !have.has(r.hash));
        }
        if (table.name === 'flow_versions') {
          const made = await insertAll(c, table.name, list.map(({ id: _id, ...r }) => r), 'id');
          list.forEach((r, i) => versionIds.set(r.id as number, made[i]!.id as number));
        } else {
          if (table.name === 'instances') list = list.map((r) => ({ ...r, flow_version_id: versionIds.get(r.flow_version_id as number) }));
          await insertAll(c, table.name, table.move === 'renumber' ? list.map(({ id: _id, ...r }) => r) : list);
        }
        counts[table.name] = list.length;
      }
      // What the overview reads (instance_stats, state_visits: schema version 4) is derived from the
      // history, so it is not copied but rebuilt from the history just copied, whatever schema
      // version the file has.
      await c.query(pgOverviewBackfill(townships.map((t) => t.id)));

      // Read back from PostgreSQL and verify every chain there before committing.
      const compiled = new Map<string, CompiledFlow>();
      for (const r of (await c.query('SELECT * FROM flow_versions WHERE id = ANY($1)', [[...versionIds.values()]])).rows as Row[]) {
        const v = rows.flowVersion(r);
        compiled.set(v.hash, compileFlow(JSON.parse(v.json)));
      }
      let records = 0;
      const moved = (await c.query('SELECT id, seq, head FROM instances WHERE id = ANY($1) ORDER BY id', [all('instances', 'id').map((i) => i.id)])).rows as Row[];
      for (const i of moved) {
        const chain = ((await c.query('SELECT * FROM history WHERE instance_id = $1 ORDER BY seq', [i.id])).rows as Row[]).map(rows.record);
        const named = [...new Set(chain.flatMap((r) => r.calendars ?? []))];
        const calendars = named.length ? ((await c.query('SELECT hash, json FROM calendar_versions WHERE hash = ANY($1)', [named])).rows as Row[]).map(calendarOfRow) : [];
        const result = verify((hash: string) => compiled.get(hash), chain, { head: i.head as string, calendars });
        if (!result.ok) throw new MigrateStoreError(`instance ${String(i.id)}, record ${result.seq}, as copied: ${result.reason}; nothing was copied`);
        if (chain.length !== i.seq) throw new MigrateStoreError(`instance ${String(i.id)} is at record ${String(i.seq)} but ${chain.length} records were copied; nothing was copied`);
        records += chain.length;
      }
      await c.query('COMMIT');
      return { townships, counts, records };
    } catch (error) {
      await c.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      c.release();
    }
  } finally {
    source.close();
    await target.close();
  }
}

export async function cmdMigrateStore(args: string[], io: Out): Promise<number> {
  const values: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const name = args[i]!;
    if (name !== '--from' && name !== '--to') throw new CliError(`unexpected argument "${name}"`);
    const value = args[++i];
    if (value === undefined || value.startsWith('--')) throw new CliError(`${name} needs a value`);
    values[name.slice(2)] = value;
  }
  if (!values.from || !values.to) throw new CliError('migrate-store needs --from sqlite:FILE and --to postgres://…');
  if (!values.from.startsWith('sqlite:')) throw new CliError(`--from must be sqlite:FILE, not "${values.from}"`);
  if (!isPostgresUrl(values.to)) throw new CliError(`--to must be a postgres:// or postgresql:// URL, not "${values.to}"`);
  try {
    const report = await moveToPostgres(values.from.slice('sqlite:'.length), values.to);
    for (const t of report.townships) io.out(`moved township ${t.name} (${t.id})`);
    const c = report.counts;
    io.out(
      `${c.villages} villages, ${c.users} users, ${c.flow_versions} flow versions, ${c.instances} instances, ${report.records} records (every chain verified), ` +
        `${c.timers} timers, ${c.disclosures} disclosures, ${c.audit_log} audit entries, ${c.catalogue_items} catalogue items → ${describeStore(values.to)}`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof MigrateStoreError)) throw error;
    io.err(error.message);
    return 1;
  }
}
