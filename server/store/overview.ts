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
