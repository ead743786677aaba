// Versioned schema migrations for SQLite. Append new versions; never edit an applied one.
// History and the audit log are append-only: triggers refuse updates and deletes.
import { baselineInsertSql } from '../calendars.ts';

/**
 * Fills instance_stats and state_visits from the history (migration 4, and the scale bench's
 * databases, which are written by INSERT … SELECT). A record enters a state unless the record
 * before it was in the same state; a visit runs from one entry to the next.
 */
export const OVERVIEW_BACKFILL = `
CREATE TEMP TABLE overview_entries AS
  SELECT h.instance_id, h.seq, h.state, CAST(round(unixepoch(h.at, 'subsec') * 1000) AS INTEGER) AS at_ms
  FROM history h JOIN instances i ON i.id = h.instance_id
  WHERE NOT EXISTS (SELECT 1 FROM history p WHERE p.instance_id = h.instance_id AND p.seq = h.seq - 1 AND p.state = h.state);
CREATE INDEX temp.overview_entries_seq ON overview_entries(instance_id, seq);
INSERT INTO instance_stats (township_id, instance_id, village_id, flow_id, flow_version_id, state, status, score, late, started_ms, entered_ms)
  SELECT i.township_id, i.id, i.village_id, i.flow_id, i.flow_version_id, i.state, i.status,
    CASE WHEN typeof(json_extract(i.snapshot, '$.context.data.rating.score')) IN ('integer', 'real') THEN json_extract(i.snapshot, '$.context.data.rating.score') END,
    EXISTS (SELECT 1 FROM history h WHERE h.instance_id = i.id AND h.type = 'TIMER' AND json_extract(h.payload, '$.timer') LIKE '%:deadline'),
    (SELECT e.at_ms FROM overview_entries e WHERE e.instance_id = i.id ORDER BY e.seq LIMIT 1),
    (SELECT e.at_ms FROM overview_entries e WHERE e.instance_id = i.id ORDER BY e.seq DESC LIMIT 1)
  FROM instances i ORDER BY i.township_id, i.id;
INSERT INTO state_visits (township_id, flow_id, state, village_id, ms, instance_id, left_seq)
  SELECT i.township_id, i.flow_id, v.state, i.village_id, v.ms, v.instance_id, v.left_seq
  FROM (SELECT e.instance_id, e.state, LEAD(e.at_ms) OVER w - e.at_ms AS ms, LEAD(e.seq) OVER w AS left_seq
    FROM overview_entries e WINDOW w AS (PARTITION BY e.instance_id ORDER BY e.seq)) v
  JOIN instances i ON i.id = v.instance_id
  WHERE v.ms IS NOT NULL ORDER BY 1, 2, 3, 4, 5, 6, 7;
DROP TABLE temp.overview_entries;
`;
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE townships (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE villages (
  id TEXT PRIMARY KEY,
  township_id TEXT NOT NULL REFERENCES townships(id),
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('village', 'community'))
);
CREATE INDEX villages_township ON villages(township_id);

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  township_id TEXT NOT NULL REFERENCES townships(id),
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL
);
CREATE TABLE user_roles (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  village_id TEXT REFERENCES villages(id)
);
CREATE UNIQUE INDEX user_roles_unique ON user_roles(user_id, role, coalesce(village_id, ''));
CREATE INDEX user_roles_village ON user_roles(village_id, role);

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE TABLE login_failures (key TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX login_failures_key ON login_failures(key, at);

CREATE TABLE flow_versions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  township_id TEXT NOT NULL REFERENCES townships(id),
  flow_id TEXT NOT NULL,
  version TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
  json TEXT NOT NULL,
  hash TEXT NOT NULL,
  title TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  published_by TEXT,
  published_at TEXT,
  UNIQUE (township_id, flow_id, version)
);
CREATE TRIGGER flow_versions_published_immutable BEFORE UPDATE ON flow_versions
  WHEN OLD.status = 'published'
  BEGIN SELECT RAISE(ABORT, 'a published flow version is immutable'); END;
CREATE TABLE flow_villages (
  township_id TEXT NOT NULL,
  flow_id TEXT NOT NULL,
  village_id TEXT NOT NULL REFERENCES villages(id),
  PRIMARY KEY (township_id, flow_id, village_id)
);

CREATE TABLE instances (
  id TEXT PRIMARY KEY,
  village_id TEXT NOT NULL REFERENCES villages(id),
  township_id TEXT NOT NULL REFERENCES townships(id),
  flow_version_id INTEGER NOT NULL REFERENCES flow_versions(id),
  flow_id TEXT NOT NULL,
  title TEXT NOT NULL,
  state TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'done')),
  outcome TEXT,
  seq INTEGER NOT NULL,
  head TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  started_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX instances_village ON instances(village_id, status, updated_at);
CREATE INDEX instances_township ON instances(township_id, flow_id, state);

CREATE TABLE history (
  instance_id TEXT NOT NULL REFERENCES instances(id),
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  role TEXT NOT NULL,
  at TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL,
  prev TEXT,
  hash TEXT NOT NULL,
  PRIMARY KEY (instance_id, seq)
);
CREATE TRIGGER history_no_update BEFORE UPDATE ON history
  BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
CREATE TRIGGER history_no_delete BEFORE DELETE ON history
  BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;

CREATE TABLE timers (
  instance_id TEXT NOT NULL REFERENCES instances(id),
  timer_id TEXT NOT NULL,
  due TEXT NOT NULL,
  PRIMARY KEY (instance_id, timer_id)
);
CREATE INDEX timers_due ON timers(due);

CREATE TABLE tasks (
  instance_id TEXT NOT NULL REFERENCES instances(id),
  role TEXT NOT NULL,
  village_id TEXT NOT NULL,
  township_id TEXT NOT NULL,
  flow_id TEXT NOT NULL,
  title TEXT NOT NULL,
  state TEXT NOT NULL,
  since TEXT NOT NULL,
  due TEXT,
  overdue INTEGER NOT NULL,
  PRIMARY KEY (instance_id, role)
);
CREATE INDEX tasks_village ON tasks(village_id, role, overdue, since);
CREATE INDEX tasks_township ON tasks(township_id, role, overdue, since);

CREATE TABLE disclosures (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  instance_id TEXT NOT NULL REFERENCES instances(id),
  village_id TEXT NOT NULL,
  flow_id TEXT NOT NULL,
  title TEXT NOT NULL,
  state TEXT NOT NULL,
  from_at TEXT NOT NULL,
  until_at TEXT NOT NULL,
  ended_at TEXT,
  items TEXT NOT NULL,
  record_hash TEXT NOT NULL
);
CREATE INDEX disclosures_village ON disclosures(village_id, ended_at, from_at);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  township_id TEXT NOT NULL,
  at TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  details TEXT NOT NULL
);
CREATE INDEX audit_log_township ON audit_log(township_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`,
  },
  {
    version: 2,
    name: 'service catalogue',
    // 事项清单: one row per service item of a township, materials as JSON. A service started from
    // an item is linked to it (with the code and name as they were), so the figures per item
    // survive a later edit or deletion of the item.
    sql: `
CREATE TABLE catalogue_items (
  id TEXT PRIMARY KEY,
  township_id TEXT NOT NULL REFERENCES townships(id),
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  department TEXT NOT NULL,
  legal_basis TEXT NOT NULL,
  service_object TEXT NOT NULL,
  conditions TEXT NOT NULL,
  materials TEXT NOT NULL,
  promised_days INTEGER NOT NULL,
  statutory_days INTEGER NOT NULL,
  fee TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('village_accepts', 'township_completes', 'proxy', 'inform')),
  flow_id TEXT,
  updated_by TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (township_id, code)
);
CREATE TABLE catalogue_starts (
  instance_id TEXT PRIMARY KEY REFERENCES instances(id),
  township_id TEXT NOT NULL,
  item_id TEXT NOT NULL,
  item_code TEXT NOT NULL,
  item_name TEXT NOT NULL
);
CREATE INDEX catalogue_starts_township ON catalogue_starts(township_id, item_id);
`,
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
    sql: `
DROP INDEX tasks_village;
DROP INDEX tasks_township;
CREATE INDEX tasks_village_inbox ON tasks(village_id, role, overdue DESC, since, instance_id);
CREATE INDEX tasks_township_inbox ON tasks(township_id, role, overdue DESC, since, instance_id);
DROP INDEX instances_village;
CREATE INDEX instances_village_recent ON instances(township_id, village_id, updated_at DESC, id);
CREATE INDEX instances_township_recent ON instances(township_id, updated_at DESC, id, village_id);
`,
  },
  {
    version: 4,
    name: 'what the township overview reads, kept as events are written',
    // The overview used to derive every state entry from the whole history of the township (a
    // self-join over every record) and lateness and ratings from JSON, per call: time linear in the
    // history, blocking the event loop. The store now keeps what it needs as it writes each event
    // (history itself stays append-only): one row per instance and one per finished visit of a
    // step, both in township order so the overview reads two index ranges. Times are epoch
    // milliseconds as Date.parse gives them. Filled here from the history already written.
    sql: `
CREATE TABLE instance_stats (
  township_id TEXT NOT NULL,
  instance_id TEXT NOT NULL,
  village_id TEXT NOT NULL,
  flow_id TEXT NOT NULL,
  flow_version_id INTEGER NOT NULL,
  state TEXT NOT NULL,
  status TEXT NOT NULL,
  -- The snapshot's data.rating.score where json_extract gives a number, else NULL.
  score,
  -- 1 once a deadline timer fired (a TIMER record whose timer id ends in ":deadline").
  late INTEGER NOT NULL,
  -- The first record's time, and the time the current state was entered.
  started_ms INTEGER,
  entered_ms INTEGER,
  PRIMARY KEY (township_id, instance_id)
) WITHOUT ROWID;
CREATE TABLE state_visits (
  township_id TEXT NOT NULL,
  flow_id TEXT NOT NULL,
  state TEXT NOT NULL,
  village_id TEXT NOT NULL,
  ms INTEGER NOT NULL,
  instance_id TEXT NOT NULL,
  -- The record that left the state.
  left_seq INTEGER NOT NULL,
  PRIMARY KEY (township_id, flow_id, state, village_id, ms, instance_id, left_seq)
) WITHOUT ROWID;
${OVERVIEW_BACKFILL}`,
  },
  {
    version: 5,
    name: 'sessions end when idle; sign-in bookkeeping is pruned; a password set by an admin is changed at first sign-in',
    // A session ends after a while without requests (last_seen_at) as well as at expires_at; the
    // rows of ended sessions and of old failed sign-ins are deleted by time, hence the indexes.
    // A user whose password an admin chose (a new user, a reset) must choose their own first.
    sql: `
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT NOT NULL DEFAULT '';
UPDATE sessions SET last_seen_at = created_at;
CREATE INDEX sessions_expires ON sessions(expires_at);
CREATE INDEX sessions_last_seen ON sessions(last_seen_at);
CREATE INDEX login_failures_at ON login_failures(at);
`,
  },
  {
    version: 6,
    name: 'the working-day calendar as data',
    // Calendar versions are content-addressed and immutable; adoptions are append-only. The
    // baseline (2004-2026, baseline = 1) is loaded here, once, from the engine's data file.
    sql: `
CREATE TABLE calendar_versions (
  hash TEXT PRIMARY KEY,
  year INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('official', 'provisional')),
  json TEXT NOT NULL,
  baseline INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX calendar_versions_year ON calendar_versions(year, baseline);
CREATE TRIGGER calendar_versions_no_update BEFORE UPDATE ON calendar_versions
  BEGIN SELECT RAISE(ABORT, 'calendar versions are immutable'); END;
CREATE TRIGGER calendar_versions_no_delete BEFORE DELETE ON calendar_versions
  BEGIN SELECT RAISE(ABORT, 'calendar versions are immutable'); END;
CREATE TABLE calendar_adoptions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  township_id TEXT NOT NULL REFERENCES townships(id),
  year INTEGER NOT NULL,
  hash TEXT NOT NULL REFERENCES calendar_versions(hash),
  adopted_by TEXT NOT NULL,
  adopted_at TEXT NOT NULL
);
CREATE INDEX calendar_adoptions_township ON calendar_adoptions(township_id, year, id);
-- The calendar versions a record counted working days on (JSON list of hashes), NULL when none.
ALTER TABLE history ADD COLUMN calendars TEXT;
CREATE TRIGGER calendar_adoptions_no_update BEFORE UPDATE ON calendar_adoptions
  BEGIN SELECT RAISE(ABORT, 'calendar adoptions are append-only'); END;
CREATE TRIGGER calendar_adoptions_no_delete BEFORE DELETE ON calendar_adoptions
  BEGIN SELECT RAISE(ABORT, 'calendar adoptions are append-only'); END;
${baselineInsertSql()}`,
  },
  {
    version: 7,
    name: 'the ballot box of secret votes',
    // A secret vote's ballots (vote.secret), apart from the history records that say who cast one:
    // no voter, no time, and keyed by a random id, WITHOUT ROWID so that not even a row number
    // follows the order of casting. Written in the transaction of the CAST_BALLOT record, emptied
    // in that of the record that ends the vote (the closing record carries the box). See
    // docs/secret-ballots.md.
    sql: `
CREATE TABLE ballot_box (
  instance_id TEXT NOT NULL REFERENCES instances(id),
  ballot_id TEXT NOT NULL,
  choice TEXT NOT NULL CHECK (choice IN ('for', 'against', 'abstain')),
  PRIMARY KEY (instance_id, ballot_id)
) WITHOUT ROWID;`,
  },
  {
    version: 8,
    name: 'personal values off the chain',
    // A flow's personal fields (docs/personal-data.md) are recorded in the history as salted
    // commitments; their values and salts are kept here, written in the transaction of the record
    // that commits to them. Erasure empties value and salt and says who and when; nothing else
    // about a row ever changes, and rows are never deleted (views say "erased").
    sql: `
CREATE TABLE personal_values (
  instance_id TEXT NOT NULL REFERENCES instances(id),
  seq INTEGER NOT NULL,
  pointer TEXT NOT NULL,
  kind TEXT NOT NULL,
  commitment TEXT NOT NULL,
  salt TEXT,
  value TEXT,
  erased_at TEXT,
  erased_by TEXT,
  PRIMARY KEY (instance_id, seq, pointer)
) WITHOUT ROWID;
CREATE TRIGGER personal_values_erase_only BEFORE UPDATE ON personal_values
  WHEN NEW.value IS NOT NULL OR NEW.salt IS NOT NULL OR NEW.erased_at IS NULL OR NEW.erased_by IS NULL
    OR NEW.instance_id IS NOT OLD.instance_id OR NEW.seq IS NOT OLD.seq OR NEW.pointer IS NOT OLD.pointer
    OR NEW.kind IS NOT OLD.kind OR NEW.commitment IS NOT OLD.commitment
  BEGIN SELECT RAISE(ABORT, 'a personal value is only ever erased, never changed'); END;
CREATE TRIGGER personal_values_no_delete BEFORE DELETE ON personal_values
  BEGIN SELECT RAISE(ABORT, 'a personal value is erased, not deleted'); END;
`,
  },
  {
    version: 9,
    name: 'the people each matter is about',
    // Who a matter belongs to besides the roles that handle it (server/readRule.ts): the person who
    // started it and, where its flow names a subject field, the person it is about. Lists and the
    // inbox filter on it in the query; written in the transaction of the record that names them.
    // Existing matters get their starters.
    sql: `
CREATE TABLE matter_people (
  instance_id TEXT NOT NULL REFERENCES instances(id),
  person_id TEXT NOT NULL,
  relation TEXT NOT NULL CHECK (relation IN ('starter', 'subject')),
  PRIMARY KEY (instance_id, relation, person_id)
) WITHOUT ROWID;
CREATE INDEX matter_people_person ON matter_people(person_id, instance_id);
INSERT INTO matter_people (instance_id, person_id, relation) SELECT id, started_by, 'starter' FROM instances;
`,
  },
  {
    version: 10,
    name: 'going live: archived villages, deactivated users, mobiles, sign-ins, setup links',
    // Villages are archived and users deactivated, never deleted: history names them. A mobile
    // signs in like the user name (unique; NULLs do not collide). Each successful sign-in is kept
    // for the user to review. A setup link's token is kept as its SHA-256, valid until used.
    sql: `
ALTER TABLE villages ADD COLUMN archived_at TEXT;
ALTER TABLE users ADD COLUMN mobile TEXT;
ALTER TABLE users ADD COLUMN deactivated_at TEXT;
CREATE UNIQUE INDEX users_mobile ON users(mobile);
CREATE TABLE sign_ins (
  user_id TEXT NOT NULL REFERENCES users(id),
  at TEXT NOT NULL,
  address TEXT NOT NULL
);
CREATE INDEX sign_ins_user ON sign_ins(user_id, at);
CREATE TABLE setup_tokens (token_hash TEXT PRIMARY KEY, created_at TEXT NOT NULL, used_at TEXT);
`,
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
    sql: `
ALTER TABLE user_roles ADD COLUMN probationary INTEGER NOT NULL DEFAULT 0;
CREATE TABLE body_counts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  township_id TEXT NOT NULL REFERENCES townships(id),
  village_id TEXT NOT NULL REFERENCES villages(id),
  role TEXT NOT NULL,
  count INTEGER NOT NULL CHECK (count >= 1),
  effective_from TEXT NOT NULL,
  source TEXT NOT NULL,
  recorded_by TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE INDEX body_counts_body ON body_counts(village_id, role, effective_from, id);
CREATE TRIGGER body_counts_no_update BEFORE UPDATE ON body_counts
  BEGIN SELECT RAISE(ABORT, 'registered counts are append-only'); END;
CREATE TRIGGER body_counts_no_delete BEFORE DELETE ON body_counts
  BEGIN SELECT RAISE(ABORT, 'registered counts are append-only'); END;
CREATE TABLE roster_snapshots (
  hash TEXT PRIMARY KEY,
  village_id TEXT NOT NULL REFERENCES villages(id),
  role TEXT NOT NULL,
  json TEXT NOT NULL,
  created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER roster_snapshots_no_update BEFORE UPDATE ON roster_snapshots
  BEGIN SELECT RAISE(ABORT, 'roster snapshots are immutable'); END;
CREATE TRIGGER roster_snapshots_no_delete BEFORE DELETE ON roster_snapshots
  BEGIN SELECT RAISE(ABORT, 'roster snapshots are immutable'); END;
`,
  },
];
