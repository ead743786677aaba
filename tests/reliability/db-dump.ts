// A dump of a whole SQLite database: the schema and every row of every table in rowid (or key) order, one
// digest per table, so "the database is what it was" is one comparison that names what moved.
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';

export type Dump = Record<string, string>;

export function dumpDb(db: Database.Database, skip: readonly string[] = []): Dump {
  const out: Dump = {};
  const objects = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").all() as { type: string; name: string; sql: string | null }[];
  out['(schema)'] = digest(JSON.stringify(objects));
  for (const { name, sql } of objects.filter((o) => o.type === 'table')) {
    if (skip.includes(name)) continue;
    const quoted = `"${name.replace(/"/g, '""')}"`;
    const rows = db.prepare(`SELECT * FROM ${quoted} ORDER BY ${/WITHOUT\s+ROWID/i.test(sql ?? '') ? primaryKey(db, quoted) : 'rowid'}`).raw().all();
    out[name] = `${rows.length} rows ${digest(JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : Buffer.isBuffer(v) ? v.toString('base64') : v)))}`;
  }
  return out;
}

/** A WITHOUT ROWID table's primary key columns, in key order: its rows' one defined order. */
function primaryKey(db: Database.Database, quoted: string): string {
  const columns = (db.prepare(`PRAGMA table_info(${quoted})`).all() as { name: string; pk: number }[]).filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
  return columns.map((c) => `"${c.name.replace(/"/g, '""')}"`).join(', ');
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
