// The working-day calendar in the store (migration 6), the same for SQLite and PostgreSQL:
// calendar_versions holds every version ever used or adopted, content-addressed (the hash is the
// key, rows are never changed: triggers refuse it); calendar_adoptions says which township adopted
// which version of a year, who and when. A township answers a year with its latest adoption, else
// the baseline (the 2004-2026 rows migration 6 loads from engine/calendars/cn-2004-2026.json),
// else a provisional version made from the law, stored when a record first uses it.
import { baselineVersions, calendarVersion, canonicalJson, type CalendarVersion } from '../../engine/index.ts';

/** One stored version as a row: the canonical JSON of the version (hash included). */
export function calendarRow(v: CalendarVersion): { hash: string; year: number; status: string; json: string } {
  return { hash: v.hash, year: v.year, status: v.status, json: canonicalJson(v) };
}

/** A stored row back as a version, its hash checked against its content. */
export function calendarOfRow(r: Record<string, unknown>): CalendarVersion {
  const v = JSON.parse(r.json as string) as CalendarVersion;
  if (calendarVersion(v).hash !== r.hash) throw new Error(`calendar version ${String(r.hash)} in the store does not match its content`);
  return v;
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Migration 6's INSERT of the baseline versions (baseline = 1), the same SQL in both databases. */
export function baselineInsertSql(): string {
  const values = baselineVersions().map((v) => {
    const r = calendarRow(v);
    return `(${quote(r.hash)}, ${r.year}, ${quote(r.status)}, ${quote(r.json)}, 1, '2026-12-07T00:00:00.000Z')`;
  });
  return `INSERT INTO calendar_versions (hash, year, status, json, baseline, created_at) VALUES\n${values.join(',\n')};\n`;
}

/** What the stores return for a township's calendar: the version it answers each year with. */
export interface CalendarYearRow {
  version: CalendarVersion;
  /** From migration 6 (the package's data), not adopted by the township. */
  baseline: boolean;
  adoptedAt: string | null;
  adoptedBy: string | null;
}

/**
 * A township's current versions from rows of (hash, json, baseline, adopted_at, adopted_by) ordered
 * by year and then adoption (baseline rows first, adoptions oldest first): the last one per year wins.
 */
export function currentYears(list: Record<string, unknown>[]): CalendarYearRow[] {
  const byYear = new Map<number, CalendarYearRow>();
  for (const r of list) {
    const version = calendarOfRow(r);
    byYear.set(version.year, { version, baseline: r.adopted_at === null, adoptedAt: (r.adopted_at as string | null) ?? null, adoptedBy: (r.adopted_by as string | null) ?? null });
  }
  return [...byYear.values()].sort((a, b) => a.version.year - b.version.year);
}

/** A township's versions, baseline rows first, then its adoptions oldest first, by year (currentYears reads them). */
export const CALENDAR_YEARS_SQL = `
SELECT v.year, v.hash, v.json, NULL AS adopted_at, NULL AS adopted_by, 0 AS k, 0 AS id FROM calendar_versions v WHERE v.baseline = 1
UNION ALL
SELECT v.year, v.hash, v.json, a.adopted_at, a.adopted_by, 1 AS k, a.id FROM calendar_adoptions a JOIN calendar_versions v ON v.hash = a.hash WHERE a.township_id = ?
ORDER BY 1, 6, 7`;
export const CALENDAR_INSERT_SQL = 'INSERT INTO calendar_versions (hash, year, status, json, baseline, created_at) VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT (hash) DO NOTHING';
export const CALENDAR_ADOPT_SQL = 'INSERT INTO calendar_adoptions (township_id, year, hash, adopted_by, adopted_at) VALUES (?, ?, ?, ?, ?)';
