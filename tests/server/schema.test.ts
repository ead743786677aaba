// The schema description (server/store/schema.ts: the migrations' steps folded, with how
// migrate-store moves each table) is the schema the migrations make: every table and column of the
// migrated database (this project's: SQLite or PostgreSQL), each with the type its kind has there;
// and every table has a move.
import { describe, expect, it } from 'vitest';
import { PgStore } from '../../server/store/pg/index.ts';
import { TABLES } from '../../server/store/migrations.ts';
import { MOVES, SCHEMA, type ColumnKind } from '../../server/store/schema.ts';
import { SqliteStore } from '../../server/store/sqlite/index.ts';
import { createTestDatabase, TEST_STORE } from './harness.ts';

// SQLite keeps booleans and BIGINTs as INTEGER and declares a real without a type; JSON is text in both.
const SQLITE_TYPES: Record<ColumnKind, string> = { text: 'TEXT', json: 'TEXT', integer: 'INTEGER', bigint: 'INTEGER', boolean: 'INTEGER', real: '' };
const PG_TYPES: Record<ColumnKind, string> = { text: 'text', json: 'text', integer: 'integer', bigint: 'bigint', boolean: 'boolean', real: 'double precision' };

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

  it('says how migrate-store moves every table the migrations make, and of no other', () => {
    expect(Object.keys(MOVES).sort()).toEqual(Object.keys(TABLES).sort());
  });
});
