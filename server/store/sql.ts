// The thin dialect layer under the one store (server/store/store.ts): a query is SQL text with `?`
// placeholders and its values, written once for SQLite and PostgreSQL; a Dialect holds the few
// fragments where the two databases differ (a list parameter, row locks, booleans, aggregates of
// integers, a unique-key violation). A transaction is a generator that yields its queries and gets
// their results back, so one body runs synchronously inside better-sqlite3's transaction (which
// the group commit needs: nothing may interleave on the one connection) and asynchronously on a
// pooled PostgreSQL connection. See docs/store.md for why this and not a query builder.

export type Row = Record<string, unknown>;

/**
 * What a query returns: `all` the rows as objects, `get` the first (or undefined), `rows` the rows
 * as arrays of column values (for the overview's thousands of rows), `run` the number of rows changed.
 */
export type Mode = 'all' | 'get' | 'rows' | 'run';
export interface Query {
  mode: Mode;
  sql: string;
  params: unknown[];
}
export const all = (sql: string, ...params: unknown[]): Query => ({ mode: 'all', sql, params });
export const get = (sql: string, ...params: unknown[]): Query => ({ mode: 'get', sql, params });
export const rowsOf = (sql: string, ...params: unknown[]): Query => ({ mode: 'rows', sql, params });
export const run = (sql: string, ...params: unknown[]): Query => ({ mode: 'run', sql, params });

/**
 * A transaction's body: yields each query and receives its result (cast at the yield: Row[] for
 * all, Row | undefined for get, unknown[][] for rows, the count for run); returns the result.
 */
export type Tx<T> = Generator<Query, T, unknown>;

/** Runs a body to its end with a synchronous executor; a failed query is thrown into the body. */
export function driveSync<T>(body: Tx<T>, exec: (q: Query) => unknown): T {
  let step = body.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = exec(step.value);
    } catch (error) {
      step = body.throw(error);
      continue;
    }
    step = body.next(result);
  }
  return step.value;
}

/** Runs a body to its end with an asynchronous executor. */
export async function driveAsync<T>(body: Tx<T>, exec: (q: Query) => Promise<unknown>): Promise<T> {
  let step = body.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = await exec(step.value);
    } catch (error) {
      step = body.throw(error);
      continue;
    }
    step = body.next(result);
  }
  return step.value;
}

export interface Dialect {
  name: 'sqlite' | 'postgres';
  /** `column` is one of the values of one list parameter (pass it through `list`). */
  inList(column: string): string;
  list(values: readonly unknown[]): unknown;
  /** Appended to a SELECT that the transaction goes on to change (SQLite locks the whole database). */
  forUpdate: string;
  /** A row's physical address, for a table without a key (SQLite's rowid, PostgreSQL's ctid). */
  rowId: string;
  /** A boolean parameter (SQLite stores 0/1). */
  bool(value: boolean): unknown;
  /** The sum of an integer column as a number, and its values as a comma-separated list, ascending where the database can say so. */
  sumInts(column: string): string;
  intList(column: string): string;
  /** A timer scheduled again replaces the old one (PostgreSQL: and whatever claim a process had on it). */
  timerUpsert: string;
  /** The statements that empty an instance's ballot box (docs/secret-ballots.md). */
  emptyBallotBox(instanceId: string): Query[];
  isUniqueViolation(error: unknown): boolean;
}

export const sqlite: Dialect = {
  name: 'sqlite',
  // One JSON parameter: the statement is prepared once, whatever the number of values.
  inList: (column) => `${column} IN (SELECT value FROM json_each(?))`,
  list: (values) => JSON.stringify(values),
  forUpdate: '',
  rowId: 'rowid',
  bool: (value) => (value ? 1 : 0),
  sumInts: (column) => `sum(${column})`,
  // In index order, shortest first, without the sort an ORDER BY in group_concat costs (the caller checks).
  intList: (column) => `group_concat(${column})`,
  timerUpsert: 'INSERT INTO timers (instance_id, timer_id, due) VALUES (?, ?, ?) ON CONFLICT (instance_id, timer_id) DO UPDATE SET due = excluded.due',
  // Zeroed as they are deleted: a freed cell keeps its bytes, and the cells of a page lie in the
  // order they were written, which is the order of casting.
  emptyBallotBox: (instanceId) => [run('PRAGMA secure_delete = ON'), run('DELETE FROM ballot_box WHERE instance_id = ?', instanceId), run('PRAGMA secure_delete = OFF')],
  isUniqueViolation: (error) => /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/.test((error as { code?: string })?.code ?? ''),
};

export const postgres: Dialect = {
  name: 'postgres',
  inList: (column) => `${column} = ANY(?)`,
  list: (values) => values,
  forUpdate: ' FOR UPDATE',
  rowId: 'ctid',
  bool: (value) => value,
  sumInts: (column) => `sum(${column})::bigint`,
  intList: (column) => `string_agg(${column}::text, ',' ORDER BY ${column})`,
  timerUpsert: 'INSERT INTO timers (instance_id, timer_id, due) VALUES (?, ?, ?) ON CONFLICT (instance_id, timer_id) DO UPDATE SET due = excluded.due, claimed_until = NULL',
  emptyBallotBox: (instanceId) => [run('DELETE FROM ballot_box WHERE instance_id = ?', instanceId)],
  isUniqueViolation: (error) => (error as { code?: string })?.code === '23505',
};

const numberedCache = new Map<string, string>();
/** `?` placeholders as PostgreSQL's $1, $2, … (the store's SQL has no question mark in a literal); text with none is left as it is. */
export function numbered(sql: string): string {
  let out = numberedCache.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    // Texts are few (the store's own, with a bounded number of list clauses); the cap is a guard.
    if (numberedCache.size < 5000) numberedCache.set(sql, out);
  }
  return out;
}

/** A boolean column as either database returns it (SQLite: 0/1). */
export const truthy = (value: unknown) => value === true || value === 1;
