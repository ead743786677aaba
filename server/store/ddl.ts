// The schema language the migrations (server/store/migrations.ts) are written in: tables, columns of
// a kind, keys, references, checks, indexes and refusing triggers, said once and rendered to
// SQLite's and PostgreSQL's DDL; what genuinely differs between the two stays an explicit
// per-dialect block of SQL inside the same migration. The steps are also folded into the schema as
// it stands after the last migration (`foldSchema`), which migrate-store moves tables by
// (server/store/schema.ts). Rendering is string concatenation, done once per process and dialect.

export type DialectName = 'sqlite' | 'postgres';

/**
 * A column's kind, and so its type in each database (and the coercion migrate-store applies):
 * text and json are TEXT in both (JSON kept as the exact text that was hashed; PostgreSQL's in the
 * "C" collation, byte order as in SQLite); boolean is SQLite's 0/1 INTEGER; real is a column
 * SQLite declares without a type (it keeps a number as it was given), DOUBLE PRECISION in PostgreSQL.
 */
export type ColumnKind = 'text' | 'json' | 'integer' | 'bigint' | 'real' | 'boolean';

const TYPES: Record<DialectName, Record<ColumnKind, string>> = {
  sqlite: { text: 'TEXT', json: 'TEXT', integer: 'INTEGER', bigint: 'INTEGER', real: '', boolean: 'INTEGER' },
  postgres: { text: 'TEXT COLLATE "C"', json: 'TEXT COLLATE "C"', integer: 'INTEGER', bigint: 'BIGINT', real: 'DOUBLE PRECISION', boolean: 'BOOLEAN' },
};

/** SQL for both databases, or each its own (a dialect left out gets nothing). */
export type PerDialect = string | { sqlite?: string; postgres?: string };
const forDialect = (sql: PerDialect, d: DialectName): string => (typeof sql === 'string' ? sql : (sql[d] ?? ''));

type Literal = string | number | boolean;
/** What a reference does when the row it names is deleted (by default the delete is refused). */
export type OnDelete = 'cascade' | 'set null';
const onDeleteSql = (o: OnDelete | undefined) => (o ? ` ON DELETE ${o.toUpperCase()}` : '');
interface ColumnSpec {
  kind: ColumnKind;
  notNull?: boolean;
  primaryKey?: boolean;
  identity?: boolean;
  unique?: boolean;
  default?: Literal;
  references?: string;
  onDelete?: OnDelete;
  oneOf?: string[];
  check?: string;
  only?: DialectName;
  localeCollation?: boolean;
}

/** A column: its kind and constraints, built by chaining (each call returns a new column). */
export class Column {
  constructor(readonly spec: ColumnSpec) {}
  private with(patch: Partial<ColumnSpec>): Column {
    return new Column({ ...this.spec, ...patch });
  }
  notNull(): Column {
    return this.with({ notNull: true });
  }
  primaryKey(): Column {
    return this.with({ primaryKey: true });
  }
  /** A key the database numbers: SQLite's INTEGER PRIMARY KEY AUTOINCREMENT, PostgreSQL's identity. */
  identity(): Column {
    return this.with({ identity: true, primaryKey: true });
  }
  unique(): Column {
    return this.with({ unique: true });
  }
  default(value: Literal): Column {
    return this.with({ default: value });
  }
  /** REFERENCES table(id), or the column named as `table(column)`. */
  references(target: string, onDelete?: OnDelete): Column {
    return this.with({ references: target.includes('(') ? target : `${target}(id)`, onDelete });
  }
  /** CHECK (column IN (…values)). */
  oneOf(...values: string[]): Column {
    return this.with({ oneOf: values });
  }
  /** CHECK (condition), a condition both databases take. */
  check(condition: string): Column {
    return this.with({ check: condition });
  }
  /** A column one database has and the other not (PostgreSQL's timer lease). */
  only(dialect: DialectName): Column {
    return this.with({ only: dialect });
  }
  /** PostgreSQL: text in the database's collation instead of "C" (migration 10's columns were declared so). */
  localeCollation(): Column {
    return this.with({ localeCollation: true });
  }
}

export const text = () => new Column({ kind: 'text' });
export const json = () => new Column({ kind: 'json' });
export const integer = () => new Column({ kind: 'integer' });
export const bigint = () => new Column({ kind: 'bigint' });
export const real = () => new Column({ kind: 'real' });
export const boolean = () => new Column({ kind: 'boolean' });

export type Columns = Record<string, Column>;
export interface TableOptions {
  /** A key of several columns. */
  primaryKey?: string[];
  unique?: string[][];
  /** FOREIGN KEY (columns) REFERENCES target, `target` as `table(columns)`. */
  foreignKeys?: { columns: string[]; references: string; onDelete?: OnDelete }[];
  /** CHECK (condition) on the row, conditions both databases take. */
  checks?: string[];
  /** SQLite: the rows are stored in the key's order, with no rowid (no order of insertion kept). */
  withoutRowid?: boolean;
}

export type Step =
  | { step: 'createTable'; table: string; columns: Columns; options: TableOptions }
  | { step: 'addColumn'; table: string; column: string; spec: Column; fill?: string }
  | { step: 'index'; name: string; table: string; columns: string[]; unique: boolean; where?: string }
  | { step: 'dropIndex'; name: string }
  | { step: 'refuse'; name: string; table: string; on: 'UPDATE' | 'DELETE'; message: string; when?: PerDialect }
  | { step: 'sql'; sql: PerDialect | (() => PerDialect) };

export const createTable = (table: string, columns: Columns, options: TableOptions = {}): Step => ({ step: 'createTable', table, columns, options });
/**
 * ALTER TABLE … ADD COLUMN. `fill`, an expression of the row, is the value of the rows already
 * there: a NOT NULL column is then added in SQLite with its default (the kind's zero when it has
 * none: SQLite cannot add a NOT NULL column without one) and filled; in PostgreSQL added nullable,
 * without the default, filled, and then made NOT NULL. SQLite keeps that default, PostgreSQL has
 * none: the store's INSERTs give the column.
 */
export const addColumn = (table: string, column: string, spec: Column, fill?: string): Step => ({ step: 'addColumn', table, column, spec, fill });
/** CREATE INDEX name ON table(columns); a column may be an expression or carry DESC. */
export const index = (name: string, table: string, columns: string[], options: { where?: string } = {}): Step => ({ step: 'index', name, table, columns, unique: false, ...options });
export const uniqueIndex = (name: string, table: string, columns: string[], options: { where?: string } = {}): Step => ({ step: 'index', name, table, columns, unique: true, ...options });
export const dropIndex = (name: string): Step => ({ step: 'dropIndex', name });
/** A trigger that refuses an UPDATE or DELETE of a row (when the condition holds) with the message. */
export const refuse = (name: string, table: string, on: 'UPDATE' | 'DELETE', message: string, when?: PerDialect): Step => ({ step: 'refuse', name, table, on, message, when });
/** The two triggers of a table whose rows are never changed nor deleted: TABLE_no_update, TABLE_no_delete. */
export const appendOnly = (table: string, message: string): Step[] => [refuse(`${table}_no_update`, table, 'UPDATE', message), refuse(`${table}_no_delete`, table, 'DELETE', message)];
/** SQL as it is: data (backfills, inserts), or what one database has and the other not. A function is called only when rendered. */
export const sql = (text: PerDialect | (() => PerDialect)): Step => ({ step: 'sql', sql: text });

export interface Migration {
  version: number;
  name: string;
  steps: (Step | Step[])[];
}
/** A migration as a database runs it. */
export interface RenderedMigration {
  version: number;
  name: string;
  sql: string;
}

function literal(value: Literal, d: DialectName = 'postgres'): string {
  if (typeof value === 'boolean') return d === 'sqlite' ? (value ? '1' : '0') : String(value);
  return typeof value === 'number' ? String(value) : `'${value.replaceAll("'", "''")}'`;
}

const ZERO: Record<ColumnKind, Literal> = { text: '', json: '', integer: 0, bigint: 0, real: 0, boolean: false };

function columnSql(name: string, c: ColumnSpec, d: DialectName): string {
  let type = TYPES[d][c.kind];
  if (d === 'postgres' && c.localeCollation) type = type.replace(' COLLATE "C"', '');
  const parts = [name];
  if (type) parts.push(type);
  if (c.identity) parts.push(d === 'sqlite' ? 'PRIMARY KEY AUTOINCREMENT' : 'GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY');
  else if (c.primaryKey) parts.push('PRIMARY KEY');
  if (c.notNull) parts.push('NOT NULL');
  if (c.unique) parts.push('UNIQUE');
  if (c.default !== undefined) parts.push(`DEFAULT ${literal(c.default, d)}`);
  if (c.references) parts.push(`REFERENCES ${c.references}${onDeleteSql(c.onDelete)}`);
  if (c.oneOf) parts.push(`CHECK (${name} IN (${c.oneOf.map((v) => literal(v)).join(', ')}))`);
  if (c.check) parts.push(`CHECK (${c.check})`);
  return parts.join(' ');
}

const present = (c: Column, d: DialectName) => !c.spec.only || c.spec.only === d;

function stepSql(s: Step, d: DialectName): string {
  switch (s.step) {
    case 'createTable': {
      const lines = Object.entries(s.columns)
        .filter(([, c]) => present(c, d))
        .map(([name, c]) => columnSql(name, c.spec, d));
      if (s.options.primaryKey) lines.push(`PRIMARY KEY (${s.options.primaryKey.join(', ')})`);
      for (const u of s.options.unique ?? []) lines.push(`UNIQUE (${u.join(', ')})`);
      for (const f of s.options.foreignKeys ?? []) lines.push(`FOREIGN KEY (${f.columns.join(', ')}) REFERENCES ${f.references}${onDeleteSql(f.onDelete)}`);
      for (const c of s.options.checks ?? []) lines.push(`CHECK (${c})`);
      return `CREATE TABLE ${s.table} (\n  ${lines.join(',\n  ')}\n)${s.options.withoutRowid && d === 'sqlite' ? ' WITHOUT ROWID' : ''};`;
    }
    case 'addColumn': {
      if (!present(s.spec, d)) return '';
      const add = (c: ColumnSpec) => `ALTER TABLE ${s.table} ADD COLUMN ${columnSql(s.column, c, d)};`;
      if (s.fill === undefined) return add(s.spec.spec);
      const fill = `UPDATE ${s.table} SET ${s.column} = ${s.fill};`;
      if (d === 'sqlite') return [add({ ...s.spec.spec, default: s.spec.spec.default ?? (s.spec.spec.notNull ? ZERO[s.spec.spec.kind] : undefined) }), fill].join('\n');
      const later = s.spec.spec.notNull ? `\nALTER TABLE ${s.table} ALTER COLUMN ${s.column} SET NOT NULL;` : '';
      return `${add({ ...s.spec.spec, notNull: false, default: undefined })}\n${fill}${later}`;
    }
    case 'index':
      return `CREATE ${s.unique ? 'UNIQUE ' : ''}INDEX ${s.name} ON ${s.table}(${s.columns.join(', ')})${s.where ? ` WHERE ${s.where}` : ''};`;
    case 'dropIndex':
      return `DROP INDEX ${s.name};`;
    case 'refuse': {
      const when = s.when === undefined ? '' : forDialect(s.when, d);
      if (d === 'sqlite') return `CREATE TRIGGER ${s.name} BEFORE ${s.on} ON ${s.table}${when ? `\n  WHEN ${when}` : ''}\n  BEGIN SELECT RAISE(ABORT, ${literal(s.message)}); END;`;
      // villageflow_refuse: migration 1's function, raising the message as a restrict_violation.
      return `CREATE TRIGGER ${s.name} BEFORE ${s.on} ON ${s.table}\n  FOR EACH ROW ${when ? `WHEN (${when})\n  ` : ''}EXECUTE FUNCTION villageflow_refuse(${literal(s.message)});`;
    }
    case 'sql':
      return forDialect(typeof s.sql === 'function' ? s.sql() : s.sql, d).trim();
  }
}

/** One migration's SQL for a database. */
export function renderMigration(m: Migration, d: DialectName): RenderedMigration {
  const sql = m.steps
    .flat()
    .map((s) => stepSql(s, d))
    .filter(Boolean)
    .join('\n');
  return { version: m.version, name: m.name, sql: `${sql}\n` };
}

/** A table as the migrations leave it: its columns in order, those of one database apart. */
export interface FoldedTable {
  /** The version that created it. */
  since: number;
  columns: Record<string, ColumnKind>;
  /** Columns only PostgreSQL has. */
  pg: Record<string, ColumnKind>;
}

/**
 * Every table after the last migration, from the steps (SQL given as it is is not read: a table or
 * column must be made by createTable or addColumn to be known here). A column only SQLite has is
 * refused: migrate-store copies SQLite's columns into PostgreSQL.
 */
export function foldSchema(migrations: readonly Migration[]): Record<string, FoldedTable> {
  const tables: Record<string, FoldedTable> = {};
  const put = (t: FoldedTable, table: string, name: string, c: Column) => {
    if (c.spec.only === 'sqlite') throw new Error(`${table}.${name}: a column only SQLite has cannot be moved to PostgreSQL`);
    (c.spec.only === 'postgres' ? t.pg : t.columns)[name] = c.spec.kind;
  };
  for (const m of migrations) {
    for (const s of m.steps.flat()) {
      if (s.step === 'createTable') {
        const t: FoldedTable = (tables[s.table] = { since: m.version, columns: {}, pg: {} });
        for (const [name, c] of Object.entries(s.columns)) put(t, s.table, name, c);
      } else if (s.step === 'addColumn') {
        const t = tables[s.table];
        if (!t) throw new Error(`migration ${m.version} adds ${s.column} to ${s.table}, which no migration created`);
        put(t, s.table, s.column, s.spec);
      }
    }
  }
  return tables;
}
