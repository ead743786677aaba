// Online backup (SQLite's backup API, safe while the server runs) and verified restore: a backup
// is put in place only after every instance's hash chain re-executes against its flow version and
// ends in the head the instance row holds.
import Database from 'better-sqlite3';
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { MIGRATE, type CalendarVersion, type CompiledFlow, type HistoryRecord } from '../../engine/index.ts';
import { calendarOfRow } from '../store/calendars.ts';
import { compileStoredFlow } from '../matters/runtime.ts';
import { verifyInstance } from '../matters/verifyInstance.ts';
import { LATEST_VERSION } from '../store/migrations.ts';
import * as rows from '../store/sqlite/rows.ts';

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

export interface BackupResult {
  file: string;
  pages: number;
  instances: number;
}

/**
 * Copies a live database into `out` with the online backup API. A separate read connection is
 * used, so the server keeps writing meanwhile (WAL); the copy is one consistent snapshot. The
 * copy is switched to rollback-journal mode so it is one self-contained file.
 */
export async function backupDatabase(dbPath: string, out: string, opts: { force?: boolean } = {}): Promise<BackupResult> {
  const source = resolve(dbPath);
  const target = resolve(out);
  if (!existsSync(source)) throw new BackupError(`${dbPath}: no such database`);
  if (source === target) throw new BackupError('the backup must be another file than the database');
  if (existsSync(target) && !opts.force) throw new BackupError(`${out} exists; pass --force to overwrite it`);
  mkdirSync(dirname(target), { recursive: true });
  const partial = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  rmSync(partial, { force: true });
  const db = new Database(source, { fileMustExist: true, readonly: true });
  let pages = 0;
  try {
    db.pragma('busy_timeout = 5000');
    // After the first step, copy the rest in one step: one read transaction, so writes by the
    // server in between cannot make the backup start over again and again.
    const meta = await db.backup(partial, { progress: () => 1 << 30 });
    pages = meta.totalPages;
  } catch (error) {
    rmSync(partial, { force: true });
    throw new BackupError(`backup of ${dbPath} failed: ${(error as Error).message}`);
  } finally {
    db.close();
  }
  let instances = 0;
  const copy = new Database(partial, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    const check = copy.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new BackupError(`the backup fails SQLite's quick_check: ${String(check)}`);
    instances = (copy.prepare('SELECT count(*) AS n FROM instances').get() as { n: number }).n;
  } catch (error) {
    copy.close();
    rmSync(partial, { force: true });
    throw error instanceof BackupError ? error : new BackupError(`the backup is not a villageflow database: ${(error as Error).message}`);
  }
  copy.close();
  fsyncFile(partial);
  renameSync(partial, target);
  return { file: target, pages, instances };
}

export type DatabaseVerdict =
  | { ok: true; instances: number; records: number }
  | { ok: false; instances: number; records: number; instanceId: string | null; seq: number | null; reason: string };

/**
 * Checks a database file without changing it: SQLite's integrity check, the schema version, and
 * every instance's chain — re-hashed and re-executed against its flow version, ending in the head
 * the instance row holds. Stops at the first instance that does not hold (instances in id order).
 */
export function verifyDatabase(path: string): DatabaseVerdict {
  if (!existsSync(path)) return { ok: false, instances: 0, records: 0, instanceId: null, seq: null, reason: `${path}: no such file` };
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: true, readonly: true });
  } catch (error) {
    return { ok: false, instances: 0, records: 0, instanceId: null, seq: null, reason: `${path} cannot be opened: ${(error as Error).message}` };
  }
  let instances = 0;
  let records = 0;
  const bad = (instanceId: string | null, seq: number | null, reason: string): DatabaseVerdict => ({ ok: false, instances, records, instanceId, seq, reason });
  try {
    let integrity: unknown;
    try {
      integrity = db.pragma('integrity_check', { simple: true });
    } catch (error) {
      return bad(null, null, `${path} is not an SQLite database: ${(error as Error).message}`);
    }
    if (integrity !== 'ok') return bad(null, null, `SQLite integrity check failed: ${String(integrity)}`);
    const hasMigrations = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
    if (!hasMigrations) return bad(null, null, 'not a villageflow database (no schema_migrations table)');
    const version = (db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
    const known = LATEST_VERSION;
    if (version > known) return bad(null, null, `the database has schema version ${version}, newer than this villageflow (${known})`);

    const compiled = new Map<number, CompiledFlow | string>();
    const flowOf = (id: number): CompiledFlow | string => {
      let c = compiled.get(id);
      if (c === undefined) {
        const r = db.prepare('SELECT * FROM flow_versions WHERE id = ?').get(id) as Record<string, unknown> | undefined;
        if (!r) c = `its flow version ${id} does not exist`;
        else {
          const v = rows.flowVersion(r);
          try {
            c = compileStoredFlow(v.json);
          } catch (error) {
            c = `its flow version ${v.flowId}@${v.version} (id ${id}) does not compile: ${(error as Error).message}`;
          }
        }
        compiled.set(id, c);
      }
      return c;
    };
    const byHash = db.prepare('SELECT id FROM flow_versions WHERE hash = ? ORDER BY id LIMIT 1');
    const versionWithHash = (hash: string): CompiledFlow | undefined => {
      const row = byHash.get(hash) as { id: number } | undefined;
      const c = row && flowOf(row.id);
      return typeof c === 'object' ? c : undefined;
    };
    const history = db.prepare('SELECT * FROM history WHERE instance_id = ? ORDER BY seq');
    // The calendar versions records name (from the migration that made calendars data; asked by
    // table, not by version number); one that is missing or altered fails its record.
    const hasCalendars = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'calendar_versions'").get() !== undefined;
    const calendarByHash = hasCalendars ? db.prepare('SELECT hash, json FROM calendar_versions WHERE hash = ?') : null;
    const calendars = (hash: string): CalendarVersion | undefined => {
      const row = calendarByHash?.get(hash) as Record<string, unknown> | undefined;
      try {
        return row ? calendarOfRow(row) : undefined;
      } catch {
        return undefined;
      }
    };
    // Secret votes' ballot boxes (schema version 7; an older file has none).
    const hasBox = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ballot_box'").get() !== undefined;
    const boxCount = hasBox ? db.prepare('SELECT count(*) AS n FROM ballot_box WHERE instance_id = ?') : null;
    for (const r of db.prepare('SELECT * FROM instances ORDER BY id').iterate() as IterableIterator<Record<string, unknown>>) {
      const id = r.id as string;
      const flow = flowOf(r.flow_version_id as number);
      if (typeof flow === 'string') return bad(id, null, `instance ${id}: ${flow}`);
      let chain: HistoryRecord[];
      try {
        chain = (history.all(id) as Record<string, unknown>[]).map(rows.record);
      } catch (error) {
        return bad(id, null, `instance ${id}: a history row is not valid JSON: ${(error as Error).message}`);
      }
      if (chain.length === 0) return bad(id, null, `instance ${id} has no history`);
      // A migrated instance's chain runs on every version its START and MIGRATE records name.
      const ranOn = chain.filter((x) => x.seq === 1 || x.type === MIGRATE).map((x) => ((x.seq === 1 ? x.payload?.flow : x.payload?.to) as { hash?: unknown } | undefined)?.hash);
      const versions = (hash: string) => (hash === flow.hash ? flow : versionWithHash(hash));
      if (ranOn.at(-1) !== flow.hash) return bad(id, chain.length, `instance ${id} runs flow version ${String(r.flow_version_id)}, but its history ends on another`);
      if (chain.length !== r.seq) return bad(id, chain.length, `instance ${id} is at record ${String(r.seq)} but its history has ${chain.length}`);
      let instance;
      try {
        instance = rows.instance(r);
      } catch (error) {
        return bad(id, null, `instance ${id}: its stored snapshot is not valid JSON: ${(error as Error).message}`);
      }
      // The chain, and the instance row being what the chain leads to (state, status, data, votes).
      const boxed = boxCount ? (boxCount.get(id) as { n: number }).n : undefined;
      const { result: verdict } = verifyInstance(ranOn.length > 1 ? versions : flow, instance, chain, { calendars, boxed });
      if (!verdict.ok) return bad(id, verdict.seq, `instance ${id}, record ${verdict.seq}: ${verdict.reason}`);
      instances++;
      records += chain.length;
    }
    const orphans = db.prepare('SELECT DISTINCT instance_id FROM history WHERE instance_id NOT IN (SELECT id FROM instances) LIMIT 1').get() as { instance_id: string } | undefined;
    if (orphans) return bad(orphans.instance_id, null, `history rows for instance ${orphans.instance_id}, which does not exist`);
    return { ok: true, instances, records };
  } finally {
    db.close();
  }
}

/**
 * Verifies `from` and only then copies it to `dbPath`. An existing database is replaced only with
 * `force` (and never while a server has it open: stop the server first). The copy lands under a
 * temporary name and is renamed into place, so a crash leaves either the old file or the new one.
 */
export function restoreDatabase(from: string, dbPath: string, opts: { force?: boolean } = {}): DatabaseVerdict & { ok: true } {
  const source = resolve(from);
  const target = resolve(dbPath);
  if (source === target) throw new BackupError('restore needs a backup file other than the database');
  const verdict = verifyDatabase(source);
  if (!verdict.ok) throw new BackupError(`${from} is refused, nothing was changed: ${verdict.reason}`);
  if (existsSync(target) && !opts.force) throw new BackupError(`${dbPath} exists; pass --force to replace it (stop the server first)`);
  mkdirSync(dirname(target), { recursive: true });
  const partial = join(dirname(target), `.${basename(target)}.restore-${process.pid}`);
  copyFileSync(source, partial);
  fsyncFile(partial);
  // The old database's WAL and shared-memory files belong to the old file: left behind, SQLite
  // would apply the old WAL to the restored database.
  for (const suffix of ['-wal', '-shm', '-journal']) rmSync(target + suffix, { force: true });
  renameSync(partial, target);
  fsyncFile(dirname(target));
  return verdict;
}

function fsyncFile(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch {
    // Directories cannot be fsynced on every platform; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
