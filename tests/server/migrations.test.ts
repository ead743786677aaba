// The migrations in the schema language (server/store/migrations.ts) make exactly the database the
// SQL they were first written in made: a fresh database migrated by their rendering and one
// migrated by the frozen SQL (tests/fixtures/raw-migrations/: versions 1-10 as both dialects'
// files had them before the rewrite, and any raw migration ported since) have the same tables,
// columns, types, defaults, keys, constraints, indexes, triggers and baseline rows, on this
// project's database (SQLite or PostgreSQL), under the same version numbers and names; and the
// store migrates a database made by the frozen SQL on to the last version.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { addColumn, boolean, createTable, foldSchema, integer, renderMigration, sql, text, uniqueIndex, type Migration } from '../../server/store/ddl.ts';
import { LATEST_VERSION, migrationsFor } from '../../server/store/migrations.ts';
import { truthy } from '../../server/store/sql.ts';
import { PgStore } from '../../server/store/pg/index.ts';
import { SqliteStore } from '../../server/store/sqlite/index.ts';
import { createTestDatabase, TEST_STORE } from './harness.ts';

const SCHEMA_MIGRATIONS = 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)';

/** The frozen SQL of one dialect, version by version. */
function frozen(file: 'sqlite' | 'pg'): { version: number; name: string; sql: string }[] {
  const text = readFileSync(new URL(`../fixtures/raw-migrations/${file}.sql`, import.meta.url), 'utf8');
  return [...text.matchAll(/^-- migration (\d+): (.*)\n([\s\S]*?)(?=^-- migration \d+: |(?![\s\S]))/gm)].map((m) => ({ version: Number(m[1]), name: m[2]!, sql: m[3]! }));
}

/** The rows the migrations write: the versions applied, and the baseline calendar (migration 6). */
const ROWS = {
  versions: 'SELECT version, name FROM schema_migrations ORDER BY version',
  calendar: 'SELECT hash, year, status, json, baseline, created_at FROM calendar_versions ORDER BY hash',
};

/** A CREATE statement as SQLite keeps it, without comments and with its spacing made even. */
const normalised = (sql: string | null) => sql && sql.replace(/--[^\n]*/g, '').replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim();

function sqliteSchema(db: SqliteStore['db']) {
  const all = (sql: string) => db.prepare(sql).all() as Record<string, unknown>[];
  const master = (all('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name') as { type: string; name: string; sql: string | null }[]).map((r) => ({
    ...r,
    sql: normalised(r.sql),
  }));
  const tables = Object.fromEntries(
    master
      .filter((r) => r.type === 'table' && !r.name.startsWith('sqlite_'))
      .map(({ name }) => [
        name,
        {
          columns: all(`PRAGMA table_info(${name})`),
          indexes: all(`PRAGMA index_list(${name})`)
            .sort((a, b) => String(a.name).localeCompare(String(b.name)))
            .map((i) => ({ ...i, seq: undefined, columns: all(`PRAGMA index_xinfo(${i.name})`) })),
          foreignKeys: all(`PRAGMA foreign_key_list(${name})`),
        },
      ]),
  );
  return { master, tables, versions: all(ROWS.versions), calendar: all(ROWS.calendar) };
}

async function pgSchema(url: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const q = async (sql: string) => (await c.query(sql)).rows as Record<string, unknown>[];
    const query = {
      tables: "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
      columns:
        'SELECT table_name, column_name, ordinal_position, data_type, is_nullable, column_default, collation_name, is_identity, identity_generation ' +
        "FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
      indexes: "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2",
      constraints: "SELECT conrelid::regclass::text AS tbl, conname, contype, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
      triggers: 'SELECT tgrelid::regclass::text AS tbl, tgname, pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2',
      functions: "SELECT proname, prosrc, prorettype::regtype::text AS returns FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1",
      sequences: "SELECT sequence_name, data_type FROM information_schema.sequences WHERE sequence_schema = 'public' ORDER BY 1",
      ...ROWS,
    };
    const out: Record<string, unknown> = {};
    for (const [k, sql] of Object.entries(query)) out[k] = await q(sql);
    return out;
  } finally {
    await c.end();
  }
}

describe('the migrations in the schema language', () => {
  const old = frozen(TEST_STORE === 'sqlite' ? 'sqlite' : 'pg');
  const last = old.at(-1)!.version;
  const rendered = migrationsFor(TEST_STORE).filter((m) => m.version <= last);

  it(`make on ${TEST_STORE} what the SQL of versions 1-${last} made, under the same versions and names; a database made by that SQL migrates on`, async () => {
    expect(old.map((m) => [m.version, m.name])).toEqual(rendered.map((m) => [m.version, m.name]));

    if (TEST_STORE === 'sqlite') {
      const apply = (list: typeof old) => {
        const store = new SqliteStore(':memory:');
        store.db.exec(SCHEMA_MIGRATIONS);
        for (const m of list) {
          store.db.transaction(() => {
            store.db.exec(m.sql);
            store.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, '');
          })();
        }
        return store;
      };
      const before = apply(old);
      const now = apply(rendered);
      const want = sqliteSchema(before.db);
      expect(Object.keys(want.tables).length).toBeGreaterThan(25);
      expect(want.calendar.length).toBeGreaterThan(20);
      expect(sqliteSchema(now.db)).toEqual(want);
      expect(await before.migrate()).toBe(LATEST_VERSION - last);
      await before.close();
      await now.close();
      return;
    }

    const apply = async (list: typeof old) => {
      const database = await createTestDatabase();
      const c = new pg.Client({ connectionString: database.url });
      await c.connect();
      try {
        await c.query(SCHEMA_MIGRATIONS);
        for (const m of list) {
          await c.query('BEGIN');
          await c.query(m.sql);
          await c.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, '')", [m.version, m.name]);
          await c.query('COMMIT');
        }
      } finally {
        await c.end();
      }
      return database;
    };
    const before = await apply(old);
    const now = await apply(rendered);
    try {
      const want = await pgSchema(before.url);
      // Text in "C" (byte order), and migration 10's columns in the database's collation.
      const collations = new Set((want.columns as { collation_name: string | null }[]).map((r) => r.collation_name));
      expect(collations.has('C') && collations.has(null)).toBe(true);
      expect((want.triggers as unknown[]).length).toBeGreaterThan(8);
      expect(await pgSchema(now.url)).toEqual(want);
      const store = new PgStore(before.url, { max: 1 });
      expect(await store.migrate()).toBe(LATEST_VERSION - last);
      await store.close();
    } finally {
      await before.drop();
      await now.drop();
    }
  });
});

// What versions 1-10 do not use of the language, as a migration to come may: each constraint holds
// in the database it is rendered for.
describe('the schema language', () => {
  const features: Migration = {
    version: 1,
    name: 'what the language says',
    steps: [
      createTable('parents', { id: text().primaryKey(), n: integer().notNull().check('n >= 0'), lease: text().only('postgres') }),
      createTable(
        'children',
        { parent_id: text(), kind: text().notNull().oneOf('a', 'b'), seq: integer().notNull(), flag: boolean().notNull().default(false) },
        { unique: [['kind', 'seq']], checks: ['seq > 0'], foreignKeys: [{ columns: ['parent_id'], references: 'parents(id)', onDelete: 'set null' }] },
      ),
      uniqueIndex('children_one_a', 'children', ['parent_id'], { where: "kind = 'a'" }),
      sql("INSERT INTO parents (id, n) VALUES ('p', 1); INSERT INTO children (parent_id, kind, seq) VALUES ('p', 'a', 1);"),
      addColumn('children', 'label', text().notNull(), "kind || '-' || seq"),
    ],
  };

  it('folds tables and columns, a column one database has apart', () => {
    expect(foldSchema([features])).toEqual({
      parents: { since: 1, columns: { id: 'text', n: 'integer' }, pg: { lease: 'text' } },
      children: { since: 1, columns: { parent_id: 'text', kind: 'text', seq: 'integer', flag: 'boolean', label: 'text' }, pg: {} },
    });
    expect(() => foldSchema([{ version: 1, name: 'x', steps: [addColumn('nowhere', 'c', text())] }])).toThrow(/nowhere, which no migration created/);
    expect(() => foldSchema([{ version: 1, name: 'x', steps: [createTable('t', { c: text().only('sqlite') })] }])).toThrow(/only SQLite has/);
  });

  it(`renders for ${TEST_STORE} keys, checks, references, partial indexes and a filled NOT NULL column that hold`, async () => {
    const ddl = renderMigration(features, TEST_STORE).sql;
    let run: (sql: string) => Promise<Record<string, unknown>[]>;
    let done: () => Promise<void>;
    if (TEST_STORE === 'sqlite') {
      const store = new SqliteStore(':memory:');
      run = async (sql) => (/^\s*SELECT/i.test(sql) ? (store.db.prepare(sql).all() as Record<string, unknown>[]) : (store.db.exec(sql), []));
      done = () => store.close();
    } else {
      const database = await createTestDatabase();
      const c = new pg.Client({ connectionString: database.url });
      await c.connect();
      run = async (sql) => (await c.query(sql)).rows as Record<string, unknown>[];
      done = async () => {
        await c.end();
        await database.drop();
      };
    }
    try {
      await run(ddl);
      const rows = await run('SELECT parent_id, flag, label FROM children');
      expect(rows.map((r) => ({ ...r, flag: truthy(r.flag) }))).toEqual([{ parent_id: 'p', flag: false, label: 'a-1' }]);
      const refused = async (sql: string) => expect(run(sql)).rejects.toThrow();
      await refused("INSERT INTO children (parent_id, kind, seq, label) VALUES (NULL, 'c', 2, 'x')");
      await refused("INSERT INTO children (parent_id, kind, seq, label) VALUES (NULL, 'b', 0, 'x')");
      await refused("INSERT INTO children (parent_id, kind, seq, label) VALUES ('p', 'a', 2, 'x')");
      await refused("INSERT INTO children (parent_id, kind, seq, label) VALUES ('q', 'b', 2, 'x')");
      await refused("INSERT INTO parents (id, n) VALUES ('q', -1)");
      await run("INSERT INTO children (parent_id, kind, seq, label) VALUES ('p', 'b', 2, 'x')");
      await run("DELETE FROM parents WHERE id = 'p'");
      expect(await run('SELECT parent_id FROM children ORDER BY seq')).toEqual([{ parent_id: null }, { parent_id: null }]);
      const lease = await run(TEST_STORE === 'sqlite' ? "SELECT name FROM pragma_table_info('parents')" : "SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'parents'");
      expect(lease.some((r) => r.name === 'lease')).toBe(TEST_STORE === 'postgres');
    } finally {
      await done();
    }
  });
});
