// The schema as both databases have it after the last migration, and how `villageflow
// migrate-store` moves each table. The tables, their columns and kinds are the migrations' own
// (server/store/migrations.ts, folded); what is said here is only how each table moves, in the
// order migrate-store copies them. tests/server/schema.test.ts holds the folded description to the
// migrated databases, and fails when a table has no move said here.
import type { ColumnKind } from './ddl.ts';
import { TABLES } from './migrations.ts';

export type { ColumnKind };

/** How migrate-store moves a table, said here per table. */
export interface Move {
  /**
   * From an SQLite file to PostgreSQL: copied as it is, copied with new ids (an identity column in
   * PostgreSQL), only the rows PostgreSQL lacks (content-addressed), rebuilt from the history
   * there, or not moved at all (sessions: people sign in again).
   */
  move: 'copy' | 'renumber' | 'missing' | 'rebuild' | 'stay';
  /** The order rows are copied in. */
  order?: string;
  /** The table's rows as a file of an older schema (before `since`) gives them: a SELECT of its columns. */
  older?: string;
}

export interface TableSchema extends Move {
  name: string;
  /** Columns in order; `pg` columns exist only in PostgreSQL (what several processes share). */
  columns: Record<string, ColumnKind>;
  pg?: Record<string, ColumnKind>;
  /** The schema version that created the table: a file of an older schema lacks it. */
  since: number;
}

/** Every table's move, in the order migrate-store copies them (foreign keys). */
export const MOVES: Record<string, Move> = {
  townships: { move: 'copy', order: 'id' },
  // archived_at (version 10): absent from an older file, null in PostgreSQL.
  villages: { move: 'copy', order: 'id' },
  // Each township's own roles and the built-in ones it relabelled; a file of an older schema has
  // none, and its townships have the built-in roles as every township does (server/org/roles.ts).
  role_catalogue: { move: 'copy', order: 'township_id, key' },
  users: { move: 'copy', order: 'id' },
  // probationary (version 12): absent from an older file, false (the column's default) in PostgreSQL.
  user_roles: { move: 'copy', order: 'user_id, role, village_id' },
  sessions: { move: 'stay' },
  login_failures: { move: 'stay' },
  // Each user's recent sign-ins, for them to review: moved with the users.
  sign_ins: { move: 'copy', order: 'user_id, at' },
  // A one-time setup link is for a database without a township; the target issues its own.
  setup_tokens: { move: 'stay' },
  flow_versions: { move: 'renumber', order: 'id' },
  flow_villages: { move: 'copy', order: 'township_id, flow_id, village_id' },
  instances: { move: 'copy', order: 'id' },
  // Who each matter belongs to; a file of an older schema gives its starters (as migration 9 did).
  matter_people: {
    move: 'copy',
    order: 'instance_id, relation, person_id',
    older: "SELECT id AS instance_id, started_by AS person_id, 'starter' AS relation FROM instances",
  },
  history: { move: 'copy', order: 'instance_id, seq' },
  personal_values: { move: 'copy', order: 'instance_id, seq, pointer' },
  // claimed_until, PostgreSQL's lease, is not in the file: null, no process holds the timer.
  timers: { move: 'copy', order: 'instance_id, timer_id' },
  tasks: { move: 'copy', order: 'instance_id, role' },
  disclosures: { move: 'renumber', order: 'id' },
  audit_log: { move: 'renumber', order: 'id' },
  catalogue_items: { move: 'copy', order: 'id' },
  catalogue_starts: { move: 'copy', order: 'instance_id' },
  // What the overview reads: derived from the history, so rebuilt from the history copied.
  instance_stats: { move: 'rebuild' },
  state_visits: { move: 'rebuild' },
  // Content-addressed: only the versions the target lacks (it holds the baseline already).
  calendar_versions: { move: 'missing', order: 'hash' },
  calendar_adoptions: { move: 'renumber', order: 'id' },
  // Open secret votes' ballots, in ballot-id order: no order of casting moves with them.
  ballot_box: { move: 'copy', order: 'instance_id, ballot_id' },
  // Bodies without accounts: each registered count, append-only.
  body_counts: { move: 'renumber', order: 'id' },
  // The rosters meeting records name by hash; their villages move whole, so every one is new there.
  roster_snapshots: { move: 'copy', order: 'hash' },
};

/** Every table with its move, in copy order (a move naming no table the migrations made is left out; the schema test names it). */
export const SCHEMA: TableSchema[] = Object.entries(MOVES).flatMap(([name, move]) => {
  const t = TABLES[name];
  return t ? [{ name, ...move, since: t.since, columns: t.columns, ...(Object.keys(t.pg).length ? { pg: t.pg } : {}) }] : [];
});

/** A value of an SQLite row as PostgreSQL takes it for a column of this kind (SQLite keeps booleans as 0/1). */
export function toPostgres(kind: ColumnKind | undefined, value: unknown): unknown {
  return kind === 'boolean' && value !== null && value !== undefined ? Number(value) === 1 : value;
}
