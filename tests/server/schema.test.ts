// The schema description (server/store/schema.ts), which migrate-store moves tables by, is the
// schema the migrations make: every table and column of the migrated database (this project's:
// SQLite or PostgreSQL), each with the type its kind has there. Both dialects list the same
// migration versions.
import { describe, expect, it } from 'vitest';
import { PgStore } from '../../server/store/pg/index.ts';
import { MIGRATIONS as PG_MIGRATIONS } from '../../server/store/pg/migrations.ts';
import { SCHEMA, type ColumnKind } from '../../server/store/schema.ts';
import { SqliteStore } from '../../server/store/sqlite/index.ts';
import { MIGRATIONS as SQLITE_MIGRATIONS } from '../../server/store/sqlite/migrations.ts';
import { createTestDatabase, TEST_STORE } from './harness.ts';

// SQLite keeps booleans and BIGINTs as INTEGER; the overview's score is declared without a type.
const SQLITE_TYPES: Record<ColumnKind, string> = { text: 'TEXT', integer: 'INTEGER', bigint: 'INTEGER', boolean: 'INTEGER', real: '' };
const PG_TYPES: Record<ColumnKind, string> = { text: 'text', integer: 'integer', bigint: 'bigint', boolean: 'boolean', real: 'double precision' };

type Tables = Record<string, Record<string, string>>;

function described(types: Record<ColumnKind, string>, withPg: boolean): Tables {
  const out: Tables = {};
  for (const t of SCHEMA) {
    const columns = { ...t.columns, ...(withPg ? t.pg : {}) };
    out[t.name] = Object.fromEntries(Object.entries(columns).map(([name, kind]) => [name, types[kind]]));
  }
  return out;
}

async function migrated(): Promise<Tables> {
  const out: Tables = {};
  if (TEST_STORE === 'sqlite') {
    const store = new SqliteStore(':memory:');
    await store.migrate();
    const tables = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name").all() as { name: string }[];
    for (const { name } of tables) {
      out[name] = Object.fromEntries((store.db.prepare(`PRAGMA table_info(${name})`).all() as { name: string; type: string }[]).map((c) => [c.name, c.type]));
    }
    await store.close();
    return out;
  }
  const database = await createTestDatabase();
  const store = new PgStore(database.url, { max: 1 });
  try {
    await store.migrate();
    const { rows } = await store.pool.query(
      "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'schema_migrations' ORDER BY table_name, ordinal_position",
    );
    for (const r of rows as { table_name: string; column_name: string; data_type: string }[]) (out[r.table_name] ??= {})[r.column_name] = r.data_type;
    return out;
  } finally {
    await store.close();
    await database.drop();
  }
}

describe('the schema description', () => {
  it(`is the ${TEST_STORE} schema the migrations make: every table and column, with its type`, async () => {
    const want = TEST_STORE === 'sqlite' ? described(SQLITE_TYPES, false) : described(PG_TYPES, true);
    expect(await migrated()).toEqual(want);
  });

  it('names each table once, and a copy order for every table migrate-store copies', () => {
    expect(new Set(SCHEMA.map((t) => t.name)).size).toBe(SCHEMA.length);
    for (const t of SCHEMA) if (t.move !== 'rebuild' && t.move !== 'stay') expect(t.order, t.name).toBeTruthy();
  });

  it('is migrated to by the same versions in both dialects', () => {
    expect(PG_MIGRATIONS.map((m) => m.version)).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
  });
});
