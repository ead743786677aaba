// What the stores keep for the township overview as they write each event (instance_stats and
// state_visits, migration 4): the same facts their backfill derives from history and snapshots in
// SQL, computed here from the record and snapshot being written, so the two agree to the value.
import type { HistoryRecord, InstanceSnapshot } from '../../engine/index.ts';

/**
 * Whether a record is a fired deadline (DEADLINE.EXCEEDED): a TIMER record whose timer id ends in
 * ":deadline", the id engine/compile.ts gives a step's deadline timer. The one rule for both
 * stores (PostgreSQL's backfill reads it so too); SQLite's migration 4, applied long ago, also took
 * ":DEADLINE" as a deadline, which the engine never writes.
 */
export function deadlineFired(r: HistoryRecord): boolean {
  if (r.type !== 'TIMER') return false;
  const timer = (r.payload as Record<string, unknown> | null)?.timer;
  return typeof timer === 'string' && timer.endsWith(':deadline');
}

/**
 * The rating score of a snapshot as the overview reads it: data.rating.score when a finite number,
 * else null (JSON, which the snapshot is stored as, has no other numbers). The one rule for both
 * stores; SQLite's migration 4, applied long ago, also read true and false as 1 and 0.
 */
export function ratingScore(s: InstanceSnapshot): number | null {
  const data = s.context?.data as Record<string, unknown> | undefined;
  const rating = data && typeof data === 'object' && !Array.isArray(data) ? (data.rating as Record<string, unknown> | undefined) : undefined;
  const score = rating && typeof rating === 'object' && !Array.isArray(rating) ? rating.score : undefined;
  return typeof score === 'number' && Number.isFinite(score) ? (score === 0 ? 0 : score) : null;
}

/**
 * A comma-separated list of integers (group_concat, string_agg) as numbers, read digit by digit: a
 * township's visits are tens of thousands of numbers, and split() would make a string of each.
 */
export function integers(list: string | null): number[] {
  const out: number[] = [];
  if (!list) return out;
  let value = 0;
  let negative = false;
  for (let i = 0; i < list.length; i++) {
    const c = list.charCodeAt(i);
    if (c === 44 /* , */) {
      out.push(negative ? -value : value);
      value = 0;
      negative = false;
    } else if (c === 45 /* - */) negative = true;
    else value = value * 10 + (c - 48);
  }
  out.push(negative ? -value : value);
  return out;
}

/** The numbers in ascending order: as they are when already so (checked), else sorted. */
export function ascending(values: number[]): number[] {
  for (let i = 1; i < values.length; i++) if (values[i]! < values[i - 1]!) return values.sort((a, b) => a - b);
  return values;
}

/**
 * SQLite: fills instance_stats and state_visits from the history (migration 4, and the scale
 * bench's databases, which are written by INSERT … SELECT). A record enters a state unless the
 * record before it was in the same state; a visit runs from one entry to the next. Applied in the
 * field and never changed: it reads a deadline and a score more loosely than the rules above.
 */
export const SQLITE_OVERVIEW_BACKFILL = `
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

/**
 * PostgreSQL: fills instance_stats and state_visits from the history, for every township (migration 4) or for
 * the given ones (migrate-store, which copies the history in): a record enters a state unless the
 * record before it was in the same state; a visit runs from one entry to the next. Times are epoch
 * milliseconds, as Date.parse gives them for the engine's ISO timestamps.
 */
export function pgOverviewBackfill(townshipIds: string[] | null): string {
  // Ids as SQL literals (standard_conforming_strings: a quote is escaped by doubling it).
  const mine = townshipIds === null ? 'TRUE' : `i.township_id IN (${townshipIds.map((id) => `'${id.replaceAll("'", "''")}'`).join(', ') || 'NULL'})`;
  return `
CREATE TEMP TABLE overview_entries AS
  SELECT h.instance_id, h.seq, h.state, round(EXTRACT(EPOCH FROM h.at::timestamptz) * 1000)::bigint AS at_ms
  FROM history h JOIN instances i ON i.id = h.instance_id
  WHERE ${mine}
    AND NOT EXISTS (SELECT 1 FROM history p WHERE p.instance_id = h.instance_id AND p.seq = h.seq - 1 AND p.state = h.state);
CREATE INDEX ON overview_entries(instance_id, seq);
INSERT INTO instance_stats (township_id, instance_id, village_id, flow_id, flow_version_id, state, status, score, late, started_ms, entered_ms)
  SELECT i.township_id, i.id, i.village_id, i.flow_id, i.flow_version_id, i.state, i.status,
    CASE WHEN jsonb_typeof(i.snapshot::jsonb #> '{context,data,rating,score}') = 'number' THEN (i.snapshot::jsonb #> '{context,data,rating,score}')::float8 END,
    EXISTS (SELECT 1 FROM history h WHERE h.instance_id = i.id AND h.type = 'TIMER' AND (h.payload::jsonb ->> 'timer') LIKE '%:deadline'),
    (SELECT e.at_ms FROM overview_entries e WHERE e.instance_id = i.id ORDER BY e.seq LIMIT 1),
    (SELECT e.at_ms FROM overview_entries e WHERE e.instance_id = i.id ORDER BY e.seq DESC LIMIT 1)
  FROM instances i WHERE ${mine};
INSERT INTO state_visits (township_id, flow_id, state, village_id, ms, instance_id, left_seq)
  SELECT i.township_id, i.flow_id, v.state, i.village_id, v.ms, v.instance_id, v.left_seq
  FROM (SELECT e.instance_id, e.state, LEAD(e.at_ms) OVER w - e.at_ms AS ms, LEAD(e.seq) OVER w AS left_seq
    FROM overview_entries e WINDOW w AS (PARTITION BY e.instance_id ORDER BY e.seq)) v
  JOIN instances i ON i.id = v.instance_id
  WHERE v.ms IS NOT NULL;
DROP TABLE overview_entries;
`;
}
