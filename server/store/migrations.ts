// Versioned schema migrations, once for both databases, in the schema language of ./ddl.ts. Append
// new versions; never edit an applied one (docs/store.md, "Adding a migration"). What differs
// between SQLite and PostgreSQL is said where it differs: a column only one has, SQL each writes
// its own way. Text columns are byte-ordered in both (PostgreSQL: the "C" collation, whatever
// locale the database was created with); JSON is kept as the exact text that was hashed and
// written, and queries cast to jsonb (PostgreSQL) or use json_extract (SQLite) where they look in.
// History, the audit log and the calendar are append-only: triggers refuse updates and deletes.
import { baselineInsertSql } from './calendars.ts';
import {
  addColumn, appendOnly, bigint, boolean, createTable, dropIndex, foldSchema, index, integer, json, real, refuse, renderMigration, sql, text, uniqueIndex,
  type DialectName, type Migration, type RenderedMigration,
} from './ddl.ts';
import { pgOverviewBackfill, SQLITE_OVERVIEW_BACKFILL } from './overview.ts';

/** A personal value's row changing otherwise than by being erased (SQLite's IS NOT is PostgreSQL's IS DISTINCT FROM). */
const changedOtherwise = (isNot: string) =>
  `NEW.value IS NOT NULL OR NEW.salt IS NOT NULL OR NEW.erased_at IS NULL OR NEW.erased_by IS NULL
    OR NEW.instance_id ${isNot} OLD.instance_id OR NEW.seq ${isNot} OLD.seq OR NEW.pointer ${isNot} OLD.pointer
    OR NEW.kind ${isNot} OLD.kind OR NEW.commitment ${isNot} OLD.commitment`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    steps: [
      // PostgreSQL's refusing triggers call one function with their message.
      sql({
        postgres: `
CREATE FUNCTION villageflow_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
END $$;`,
      }),
      createTable('townships', { id: text().primaryKey(), name: text().notNull() }),
      createTable('villages', {
        id: text().primaryKey(),
        township_id: text().notNull().references('townships'),
        name: text().notNull(),
        kind: text().notNull().oneOf('village', 'community'),
      }),
      index('villages_township', 'villages', ['township_id']),

      createTable('users', {
        id: text().primaryKey(),
        township_id: text().notNull().references('townships'),
        username: text().notNull().unique(),
        display_name: text().notNull(),
        password_hash: text().notNull(),
      }),
      createTable('user_roles', {
        user_id: text().notNull().references('users', 'cascade'),
        role: text().notNull(),
        village_id: text().references('villages'),
      }),
      uniqueIndex('user_roles_unique', 'user_roles', ['user_id', 'role', "coalesce(village_id, '')"]),
      index('user_roles_village', 'user_roles', ['village_id', 'role']),

      createTable('sessions', {
        token_hash: text().primaryKey(),
        user_id: text().notNull().references('users', 'cascade'),
        created_at: text().notNull(),
        expires_at: text().notNull(),
      }),
      createTable('login_failures', { key: text().notNull(), at: text().notNull() }),
      index('login_failures_key', 'login_failures', ['key', 'at']),

      createTable(
        'flow_versions',
        {
          id: integer().identity(),
          township_id: text().notNull().references('townships'),
          flow_id: text().notNull(),
          version: text().notNull(),
          status: text().notNull().oneOf('draft', 'published'),
          json: json().notNull(),
          hash: text().notNull(),
          title: text().notNull(),
          created_by: text().notNull(),
          created_at: text().notNull(),
          published_by: text(),
          published_at: text(),
        },
        { unique: [['township_id', 'flow_id', 'version']] },
      ),
      refuse('flow_versions_published_immutable', 'flow_versions', 'UPDATE', 'a published flow version is immutable', "OLD.status = 'published'"),
      createTable(
        'flow_villages',
        { township_id: text().notNull(), flow_id: text().notNull(), village_id: text().notNull().references('villages') },
        { primaryKey: ['township_id', 'flow_id', 'village_id'] },
      ),

      createTable('instances', {
        id: text().primaryKey(),
        village_id: text().notNull().references('villages'),
        township_id: text().notNull().references('townships'),
        flow_version_id: integer().notNull().references('flow_versions'),
        flow_id: text().notNull(),
        title: text().notNull(),
        state: text().notNull(),
        status: text().notNull().oneOf('active', 'done'),
        outcome: text(),
        seq: integer().notNull(),
        head: text().notNull(),
        snapshot: json().notNull(),
        started_by: text().notNull(),
        created_at: text().notNull(),
        updated_at: text().notNull(),
      }),
      index('instances_village', 'instances', ['village_id', 'status', 'updated_at']),
      index('instances_township', 'instances', ['township_id', 'flow_id', 'state']),

      createTable(
        'history',
        {
          instance_id: text().notNull().references('instances'),
          seq: integer().notNull(),
          type: text().notNull(),
          actor_id: text().notNull(),
          role: text().notNull(),
          at: text().notNull(),
          payload: json().notNull(),
          state: text().notNull(),
          prev: text(),
          hash: text().notNull(),
        },
        { primaryKey: ['instance_id', 'seq'] },
      ),
      appendOnly('history', 'history is append-only'),

      createTable(
        'timers',
        {
          instance_id: text().notNull().references('instances'),
          timer_id: text().notNull(),
          due: text().notNull(),
          // The lease of the process delivering the timer (FOR UPDATE SKIP LOCKED claims), so
          // several server processes never deliver the same timer at once.
          claimed_until: text().only('postgres'),
        },
        { primaryKey: ['instance_id', 'timer_id'] },
      ),
      index('timers_due', 'timers', ['due']),

      createTable(
        'tasks',
        {
          instance_id: text().notNull().references('instances'),
          role: text().notNull(),
          village_id: text().notNull(),
          township_id: text().notNull(),
          flow_id: text().notNull(),
          title: text().notNull(),
          state: text().notNull(),
          since: text().notNull(),
          due: text(),
          overdue: boolean().notNull(),
        },
        { primaryKey: ['instance_id', 'role'] },
      ),
      index('tasks_village', 'tasks', ['village_id', 'role', 'overdue', 'since']),
      index('tasks_township', 'tasks', ['township_id', 'role', 'overdue', 'since']),

      createTable('disclosures', {
        id: bigint().identity(),
        instance_id: text().notNull().references('instances'),
        village_id: text().notNull(),
        flow_id: text().notNull(),
        title: text().notNull(),
        state: text().notNull(),
        from_at: text().notNull(),
        until_at: text().notNull(),
        ended_at: text(),
        items: json().notNull(),
        record_hash: text().notNull(),
      }),
      index('disclosures_village', 'disclosures', ['village_id', 'ended_at', 'from_at']),

      createTable('audit_log', {
        id: bigint().identity(),
        township_id: text().notNull(),
        at: text().notNull(),
        actor_id: text().notNull(),
        action: text().notNull(),
        target: text().notNull(),
        details: json().notNull(),
      }),
      index('audit_log_township', 'audit_log', ['township_id', 'id']),
      appendOnly('audit_log', 'the audit log is append-only'),
    ],
  },
  {
    version: 2,
    name: 'service catalogue',
    // 事项清单: one row per service item of a township, materials as JSON. A service started from
    // an item is linked to it (with the code and name as they were), so the figures per item
    // survive a later edit or deletion of the item.
    steps: [
      createTable(
        'catalogue_items',
        {
          id: text().primaryKey(),
          township_id: text().notNull().references('townships'),
          code: text().notNull(),
          name: text().notNull(),
          type: text().notNull(),
          department: text().notNull(),
          legal_basis: text().notNull(),
          service_object: text().notNull(),
          conditions: text().notNull(),
          materials: json().notNull(),
          promised_days: integer().notNull(),
          statutory_days: integer().notNull(),
          fee: text().notNull(),
          mode: text().notNull().oneOf('village_accepts', 'township_completes', 'proxy', 'inform'),
          flow_id: text(),
          updated_by: text().notNull(),
          updated_at: text().notNull(),
        },
        { unique: [['township_id', 'code']] },
      ),
      createTable('catalogue_starts', {
        instance_id: text().primaryKey().references('instances'),
        township_id: text().notNull(),
        item_id: text().notNull(),
        item_code: text().notNull(),
        item_name: text().notNull(),
      }),
      index('catalogue_starts_township', 'catalogue_starts', ['township_id', 'item_id']),
    ],
  },
  {
    version: 3,
    name: 'indexes in the order the inbox and instance lists read',
    // The inbox reads overdue first, then the longest waiting: with overdue DESC in the index (and
    // instance_id, the last tie-break) each scope's first rows come straight from the index instead
    // of sorting every open task of the village or township. Instance lists read the most recently
    // updated first: one village through (township, village, updated_at), several through
    // (township, updated_at) with village_id in the index to filter without reading rows. The
    // indexes they replace served only these queries.
    steps: [
      dropIndex('tasks_village'),
      dropIndex('tasks_township'),
      index('tasks_village_inbox', 'tasks', ['village_id', 'role', 'overdue DESC', 'since', 'instance_id']),
      index('tasks_township_inbox', 'tasks', ['township_id', 'role', 'overdue DESC', 'since', 'instance_id']),
      dropIndex('instances_village'),
      index('instances_village_recent', 'instances', ['township_id', 'village_id', 'updated_at DESC', 'id']),
      index('instances_township_recent', 'instances', ['township_id', 'updated_at DESC', 'id', 'village_id']),
    ],
  },
  {
    version: 4,
    name: 'what the township overview reads, kept as events are written',
    // The overview used to derive every state entry from the whole history of the township (a
    // self-join over every record) and lateness and ratings from JSON, per call: time linear in the
    // history, blocking the event loop. The store now keeps what it needs as it writes each event
    // (history itself stays append-only): one row per instance and one per finished visit of a
    // step, both in township order so the overview reads two index ranges. Times are epoch
    // milliseconds as Date.parse gives them. Filled here from the history already written, by each
    // database's own SQL (server/store/overview.ts).
    steps: [
      createTable(
        'instance_stats',
        {
          township_id: text().notNull(),
          instance_id: text().notNull(),
          village_id: text().notNull(),
          flow_id: text().notNull(),
          flow_version_id: integer().notNull(),
          state: text().notNull(),
          status: text().notNull(),
          // The snapshot's data.rating.score where it is a number, else NULL.
          score: real(),
          // Once a deadline timer fired (a TIMER record whose timer id ends in ":deadline").
          late: boolean().notNull(),
          // The first record's time, and the time the current state was entered.
          started_ms: bigint(),
          entered_ms: bigint(),
        },
        { primaryKey: ['township_id', 'instance_id'], withoutRowid: true },
      ),
      createTable(
        'state_visits',
        {
          township_id: text().notNull(),
          flow_id: text().notNull(),
          state: text().notNull(),
          village_id: text().notNull(),
          ms: bigint().notNull(),
          instance_id: text().notNull(),
          // The record that left the state.
          left_seq: integer().notNull(),
        },
        { primaryKey: ['township_id', 'flow_id', 'state', 'village_id', 'ms', 'instance_id', 'left_seq'], withoutRowid: true },
      ),
      sql(() => ({ sqlite: SQLITE_OVERVIEW_BACKFILL, postgres: pgOverviewBackfill(null) })),
    ],
  },
  {
    version: 5,
    name: 'sessions end when idle; sign-in bookkeeping is pruned; a password set by an admin is changed at first sign-in',
    // A session ends after a while without requests (last_seen_at) as well as at expires_at; the
    // rows of ended sessions and of old failed sign-ins are deleted by time, hence the indexes.
    // A user whose password an admin chose (a new user, a reset) must choose their own first.
    steps: [
      addColumn('users', 'must_change_password', boolean().notNull().default(false)),
      addColumn('sessions', 'last_seen_at', text().notNull(), 'created_at'),
      index('sessions_expires', 'sessions', ['expires_at']),
      index('sessions_last_seen', 'sessions', ['last_seen_at']),
      index('login_failures_at', 'login_failures', ['at']),
    ],
  },
  {
    version: 6,
    name: 'the working-day calendar as data',
    // Calendar versions are content-addressed and immutable; adoptions are append-only. The
    // baseline (2004-2026, baseline = 1) is loaded here, once, from the engine's data file.
    steps: [
      createTable('calendar_versions', {
        hash: text().primaryKey(),
        year: integer().notNull(),
        status: text().notNull().oneOf('official', 'provisional'),
        json: json().notNull(),
        baseline: integer().notNull(),
        created_at: text().notNull(),
      }),
      index('calendar_versions_year', 'calendar_versions', ['year', 'baseline']),
      appendOnly('calendar_versions', 'calendar versions are immutable'),
      createTable('calendar_adoptions', {
        id: bigint().identity(),
        township_id: text().notNull().references('townships'),
        year: integer().notNull(),
        hash: text().notNull().references('calendar_versions(hash)'),
        adopted_by: text().notNull(),
        adopted_at: text().notNull(),
      }),
      index('calendar_adoptions_township', 'calendar_adoptions', ['township_id', 'year', 'id']),
      // The calendar versions a record counted working days on (JSON list of hashes), NULL when none.
      addColumn('history', 'calendars', json()),
      appendOnly('calendar_adoptions', 'calendar adoptions are append-only'),
      sql(baselineInsertSql),
    ],
  },
  {
    version: 7,
    name: 'the ballot box of secret votes',
    // A secret vote's ballots (vote.secret), apart from the history records that say who cast one:
    // no voter, no time, and keyed by a random id, WITHOUT ROWID in SQLite so that not even a row
    // number follows the order of casting (PostgreSQL's system columns, xmin and ctid, still follow
    // the writing transaction: docs/secret-ballots.md says what that leaves to the operator).
    // Written in the transaction of the CAST_BALLOT record, emptied in that of the record that ends
    // the vote (the closing record carries the box).
    steps: [
      createTable(
        'ballot_box',
        { instance_id: text().notNull().references('instances'), ballot_id: text().notNull(), choice: text().notNull().oneOf('for', 'against', 'abstain') },
        { primaryKey: ['instance_id', 'ballot_id'], withoutRowid: true },
      ),
    ],
  },
  {
    version: 8,
    name: 'personal values off the chain',
    // A flow's personal fields (docs/personal-data.md) are recorded in the history as salted
    // commitments; their values and salts are kept here, written in the transaction of the record
    // that commits to them. Erasure empties value and salt and says who and when; nothing else
    // about a row ever changes, and rows are never deleted (views say "erased").
    steps: [
      createTable(
        'personal_values',
        {
          instance_id: text().notNull().references('instances'),
          seq: integer().notNull(),
          pointer: text().notNull(),
          kind: text().notNull(),
          commitment: text().notNull(),
          salt: text(),
          value: text(),
          erased_at: text(),
          erased_by: text(),
        },
        { primaryKey: ['instance_id', 'seq', 'pointer'], withoutRowid: true },
      ),
      refuse('personal_values_erase_only', 'personal_values', 'UPDATE', 'a personal value is only ever erased, never changed', {
        sqlite: changedOtherwise('IS NOT'),
        postgres: changedOtherwise('IS DISTINCT FROM'),
      }),
      refuse('personal_values_no_delete', 'personal_values', 'DELETE', 'a personal value is erased, not deleted'),
    ],
  },
  {
    version: 9,
    name: 'the people each matter is about',
    // Who a matter belongs to besides the roles that handle it (server/access/readRule.ts): the person who
    // started it and, where its flow names a subject field, the person it is about. Lists and the
    // inbox filter on it in the query; written in the transaction of the record that names them.
    // Existing matters get their starters.
    steps: [
      createTable(
        'matter_people',
        { instance_id: text().notNull().references('instances'), person_id: text().notNull(), relation: text().notNull().oneOf('starter', 'subject') },
        { primaryKey: ['instance_id', 'relation', 'person_id'], withoutRowid: true },
      ),
      index('matter_people_person', 'matter_people', ['person_id', 'instance_id']),
      sql("INSERT INTO matter_people (instance_id, person_id, relation) SELECT id, started_by, 'starter' FROM instances;"),
    ],
  },
  {
    version: 10,
    name: 'going live: archived villages, deactivated users, mobiles, sign-ins, setup links',
    // Villages are archived and users deactivated, never deleted: history names them. A mobile
    // signs in like the user name (unique; NULLs do not collide). Each successful sign-in is kept
    // for the user to review. A setup link's token is kept as its SHA-256, valid until used.
    // (PostgreSQL: these columns were declared plain TEXT, in the database's collation, unlike
    // every other; so they stay.)
    steps: [
      addColumn('villages', 'archived_at', text().localeCollation()),
      addColumn('users', 'mobile', text().localeCollation()),
      addColumn('users', 'deactivated_at', text().localeCollation()),
      uniqueIndex('users_mobile', 'users', ['mobile']),
      createTable('sign_ins', {
        user_id: text().localeCollation().notNull().references('users'),
        at: text().localeCollation().notNull(),
        address: text().localeCollation().notNull(),
      }),
      index('sign_ins_user', 'sign_ins', ['user_id', 'at']),
      createTable('setup_tokens', {
        token_hash: text().localeCollation().primaryKey(),
        created_at: text().localeCollation().notNull(),
        used_at: text().localeCollation(),
      }),
    ],
  },
  {
    version: 11,
    name: 'the role catalogue',
    // Each township's roles as data (server/org/roles.ts): the built-in roles (engine/roles.ts) are its
    // starting content, read from the code until the township changes one (then it has its row);
    // an admin adds roles of its own, or a flow's publisher adds the flow's. A role is never deleted
    // (grants and history name it); its labels may change. own_matters: its holders read only their
    // own matters.
    steps: [
      createTable(
        'role_catalogue',
        {
          township_id: text().notNull().references('townships'),
          key: text().notNull(),
          label_zh: text().notNull(),
          label_en: text().notNull(),
          scope: text().notNull().oneOf('township', 'village'),
          built_in: boolean().notNull(),
          own_matters: boolean().notNull(),
          created_by: text(),
          created_at: text().notNull(),
        },
        { primaryKey: ['township_id', 'key'] },
      ),
    ],
  },
  {
    version: 12,
    name: 'bodies and rosters: probationary grants, registered counts, roster snapshots',
    // Bodies and their rosters (issue 18): a grant of a role can be probationary (a probationary
    // party member attends but does not vote); a body without accounts (all adult villagers,
    // household representatives) is a registered count per village and role, with the day it takes
    // effect, its source document and who recorded it (append-only: a correction is a new count);
    // a body is counted iff such a count exists. The roster a meeting's denominators came from is
    // kept content-addressed, written in the transaction of the record that names its hash.
    steps: [
      addColumn('user_roles', 'probationary', boolean().notNull().default(false)),
      createTable('body_counts', {
        id: bigint().identity(),
        township_id: text().notNull().references('townships'),
        village_id: text().notNull().references('villages'),
        role: text().notNull(),
        count: integer().notNull().check('count >= 1'),
        effective_from: text().notNull(),
        source: text().notNull(),
        recorded_by: text().notNull(),
        recorded_at: text().notNull(),
      }),
      index('body_counts_body', 'body_counts', ['village_id', 'role', 'effective_from', 'id']),
      ...appendOnly('body_counts', 'registered counts are append-only'),
      createTable(
        'roster_snapshots',
        {
          hash: text().primaryKey(),
          village_id: text().notNull().references('villages'),
          role: text().notNull(),
          json: text().notNull(),
          created_at: text().notNull(),
        },
        { withoutRowid: true },
      ),
      ...appendOnly('roster_snapshots', 'roster snapshots are immutable'),
    ],
  },
];

/** The newest schema version this code knows. */
export const LATEST_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

const rendered: Partial<Record<DialectName, RenderedMigration[]>> = {};
/** The migrations as the database runs them, rendered on first use. */
export function migrationsFor(dialect: DialectName): RenderedMigration[] {
  return (rendered[dialect] ??= MIGRATIONS.map((m) => renderMigration(m, dialect)));
}

/** Every table as the last migration leaves it (server/store/schema.ts adds how migrate-store moves each). */
export const TABLES = foldSchema(MIGRATIONS);
