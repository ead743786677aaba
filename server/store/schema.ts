// The schema as both databases have it after the last migration: every table, its columns and
// their kinds, and how `villageflow migrate-store` moves it. The migrations themselves stay the
// record of what each database ran (sqlite/migrations.ts, pg/migrations.ts: append-only, one list
// per dialect); tests/server/schema.test.ts holds this description to the migrated databases, so
// a migration that adds a table or a column without saying so here fails there.

/** A column's kind, and so its type in each database and the coercion between them. */
export type ColumnKind = 'text' | 'integer' | 'bigint' | 'real' | 'boolean';

export interface TableSchema {
  name: string;
  /** Columns in order; `pg` columns exist only in PostgreSQL (what several processes share). */
  columns: Record<string, ColumnKind>;
  pg?: Record<string, ColumnKind>;
  /**
   * How migrate-store moves the table from an SQLite file to PostgreSQL: copied as it is, copied
   * with new ids (an identity column in PostgreSQL), only the rows PostgreSQL lacks (content-
   * addressed), rebuilt from the history there, or not moved at all (sessions: people sign in again).
   */
  move: 'copy' | 'renumber' | 'missing' | 'rebuild' | 'stay';
  /** The order rows are copied in. */
  order?: string;
  /** The table's rows as a file of an older schema (before `since`) gives them: a SELECT of its columns. */
  older?: string;
  /** The schema version that created the table: a file of an older schema lacks it. */
  since: number;
}

// In the order migrate-store copies them (foreign keys).
export const SCHEMA: TableSchema[] = [
  { name: 'townships', since: 1, move: 'copy', order: 'id', columns: { id: 'text', name: 'text' } },
  // archived_at (version 10): absent from an older file, null in PostgreSQL.
  { name: 'villages', since: 1, move: 'copy', order: 'id', columns: { id: 'text', township_id: 'text', name: 'text', kind: 'text', archived_at: 'text' } },
  {
    name: 'users', since: 1, move: 'copy', order: 'id',
    columns: {
      id: 'text', township_id: 'text', username: 'text', display_name: 'text', password_hash: 'text', must_change_password: 'boolean',
      mobile: 'text', deactivated_at: 'text',
    },
  },
  // probationary (version 12): absent from an older file, false (the column's default) in PostgreSQL.
  { name: 'user_roles', since: 1, move: 'copy', order: 'user_id, role, village_id', columns: { user_id: 'text', role: 'text', village_id: 'text', probationary: 'boolean' } },
  { name: 'sessions', since: 1, move: 'stay', columns: { token_hash: 'text', user_id: 'text', created_at: 'text', expires_at: 'text', last_seen_at: 'text' } },
  { name: 'login_failures', since: 1, move: 'stay', columns: { key: 'text', at: 'text' } },
  // Each user's recent sign-ins, for them to review: moved with the users.
  { name: 'sign_ins', since: 10, move: 'copy', order: 'user_id, at', columns: { user_id: 'text', at: 'text', address: 'text' } },
  // A one-time setup link is for a database without a township; the target issues its own.
  { name: 'setup_tokens', since: 10, move: 'stay', columns: { token_hash: 'text', created_at: 'text', used_at: 'text' } },
  {
    name: 'flow_versions', since: 1, move: 'renumber', order: 'id',
    columns: {
      id: 'integer', township_id: 'text', flow_id: 'text', version: 'text', status: 'text', json: 'text', hash: 'text', title: 'text',
      created_by: 'text', created_at: 'text', published_by: 'text', published_at: 'text',
    },
  },
  { name: 'flow_villages', since: 1, move: 'copy', order: 'township_id, flow_id, village_id', columns: { township_id: 'text', flow_id: 'text', village_id: 'text' } },
  {
    name: 'instances', since: 1, move: 'copy', order: 'id',
    columns: {
      id: 'text', village_id: 'text', township_id: 'text', flow_version_id: 'integer', flow_id: 'text', title: 'text', state: 'text', status: 'text',
      outcome: 'text', seq: 'integer', head: 'text', snapshot: 'text', started_by: 'text', created_at: 'text', updated_at: 'text',
    },
  },
  // Who each matter belongs to; a file of an older schema gives its starters (as migration 9 did).
  {
    name: 'matter_people', since: 9, move: 'copy', order: 'instance_id, relation, person_id',
    older: "SELECT id AS instance_id, started_by AS person_id, 'starter' AS relation FROM instances",
    columns: { instance_id: 'text', person_id: 'text', relation: 'text' },
  },
  {
    name: 'history', since: 1, move: 'copy', order: 'instance_id, seq',
    columns: {
      instance_id: 'text', seq: 'integer', type: 'text', actor_id: 'text', role: 'text', at: 'text', payload: 'text', state: 'text', prev: 'text',
      hash: 'text', calendars: 'text',
    },
  },
  {
    name: 'personal_values', since: 8, move: 'copy', order: 'instance_id, seq, pointer',
    columns: { instance_id: 'text', seq: 'integer', pointer: 'text', kind: 'text', commitment: 'text', salt: 'text', value: 'text', erased_at: 'text', erased_by: 'text' },
  },
  { name: 'timers', since: 1, move: 'copy', order: 'instance_id, timer_id', columns: { instance_id: 'text', timer_id: 'text', due: 'text' }, pg: { claimed_until: 'text' } },
  {
    name: 'tasks', since: 1, move: 'copy', order: 'instance_id, role',
    columns: {
      instance_id: 'text', role: 'text', village_id: 'text', township_id: 'text', flow_id: 'text', title: 'text', state: 'text', since: 'text', due: 'text', overdue: 'boolean',
    },
  },
  {
    name: 'disclosures', since: 1, move: 'renumber', order: 'id',
    columns: {
      id: 'bigint', instance_id: 'text', village_id: 'text', flow_id: 'text', title: 'text', state: 'text', from_at: 'text', until_at: 'text', ended_at: 'text',
      items: 'text', record_hash: 'text',
    },
  },
  {
    name: 'audit_log', since: 1, move: 'renumber', order: 'id',
    columns: { id: 'bigint', township_id: 'text', at: 'text', actor_id: 'text', action: 'text', target: 'text', details: 'text' },
  },
  {
    name: 'catalogue_items', since: 2, move: 'copy', order: 'id',
    columns: {
      id: 'text', township_id: 'text', code: 'text', name: 'text', type: 'text', department: 'text', legal_basis: 'text', service_object: 'text',
      conditions: 'text', materials: 'text', promised_days: 'integer', statutory_days: 'integer', fee: 'text', mode: 'text', flow_id: 'text',
      updated_by: 'text', updated_at: 'text',
    },
  },
  { name: 'catalogue_starts', since: 2, move: 'copy', order: 'instance_id', columns: { instance_id: 'text', township_id: 'text', item_id: 'text', item_code: 'text', item_name: 'text' } },
  // What the overview reads: derived from the history, so rebuilt from the history copied.
  {
    name: 'instance_stats', since: 4, move: 'rebuild',
    columns: {
      township_id: 'text', instance_id: 'text', village_id: 'text', flow_id: 'text', flow_version_id: 'integer', state: 'text', status: 'text',
      score: 'real', late: 'boolean', started_ms: 'bigint', entered_ms: 'bigint',
    },
  },
  {
    name: 'state_visits', since: 4, move: 'rebuild',
    columns: { township_id: 'text', flow_id: 'text', state: 'text', village_id: 'text', ms: 'bigint', instance_id: 'text', left_seq: 'integer' },
  },
  // Content-addressed: only the versions the target lacks (it holds the baseline already).
  {
    name: 'calendar_versions', since: 6, move: 'missing', order: 'hash',
    columns: { hash: 'text', year: 'integer', status: 'text', json: 'text', baseline: 'integer', created_at: 'text' },
  },
  {
    name: 'calendar_adoptions', since: 6, move: 'renumber', order: 'id',
    columns: { id: 'bigint', township_id: 'text', year: 'integer', hash: 'text', adopted_by: 'text', adopted_at: 'text' },
  },
  // Open secret votes' ballots, in ballot-id order: no order of casting moves with them.
  { name: 'ballot_box', since: 7, move: 'copy', order: 'instance_id, ballot_id', columns: { instance_id: 'text', ballot_id: 'text', choice: 'text' } },
  // Bodies without accounts: each registered count, append-only.
  {
    name: 'body_counts', since: 12, move: 'renumber', order: 'id',
    columns: { id: 'bigint', township_id: 'text', village_id: 'text', role: 'text', count: 'integer', effective_from: 'text', source: 'text', recorded_by: 'text', recorded_at: 'text' },
  },
  // The rosters meeting records name by hash; their villages move whole, so every one is new there.
  { name: 'roster_snapshots', since: 12, move: 'copy', order: 'hash', columns: { hash: 'text', village_id: 'text', role: 'text', json: 'text', created_at: 'text' } },
];

/** A value of an SQLite row as PostgreSQL takes it for a column of this kind (SQLite keeps booleans as 0/1). */
export function toPostgres(kind: ColumnKind | undefined, value: unknown): unknown {
  return kind === 'boolean' && value !== null && value !== undefined ? Number(value) === 1 : value;
}
