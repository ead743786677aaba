// The pure parts of the working-day calendar pages: a year's schedule as the admin edits it (rest
// days, make-up working days, holiday names), its twelve month grids, clicking a day, and dates in
// words. Whether a schedule is right (and reading a holiday-cn file) is the server's preview, the
// one place those rules live. No React, no server.

/** A year's holiday schedule as entered: rest days and make-up working days (YYYY-MM-DD). */
export interface Schedule {
  year: number;
  rest: string[];
  work: string[];
  /** Holiday names by date (春节, 国庆节…) of rest and make-up days, as the notice or file gives them. */
  names: Record<string, string>;
}

export type DayKind = 'rest' | 'work' | 'weekend' | 'workday';

export interface GridDay {
  date: string;
  day: number;
  /** 0 Monday … 6 Sunday: weeks in China start on Monday. */
  weekday: number;
  kind: DayKind;
  name?: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

export function isoDate(year: number, month: number, day: number): string {
  return `${year}-${pad(month)}-${pad(day)}`;
}

/** 0 Monday … 6 Sunday of a YYYY-MM-DD date (a calendar date: no zone involved). */
export function weekdayOf(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}

export const isWeekend = (date: string) => weekdayOf(date) >= 5;

export function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** What a day is under a schedule: a holiday rest day, a make-up working day, or an ordinary day. */
export function dayKind(s: Pick<Schedule, 'rest' | 'work'>, date: string): DayKind {
  if (s.rest.includes(date)) return 'rest';
  if (s.work.includes(date)) return 'work';
  return isWeekend(date) ? 'weekend' : 'workday';
}

/** One month as weeks of seven cells from Monday; null cells pad the first and last week. */
export function monthGrid(s: Pick<Schedule, 'year' | 'rest' | 'work'> & { names?: Record<string, string> }, month: number): (GridDay | null)[][] {
  const rest = new Set(s.rest);
  const work = new Set(s.work);
  const cells: (GridDay | null)[] = [];
  const first = weekdayOf(isoDate(s.year, month, 1));
  for (let i = 0; i < first; i++) cells.push(null);
  for (let day = 1; day <= daysIn(s.year, month); day++) {
    const date = isoDate(s.year, month, day);
    const weekday = (first + day - 1) % 7;
    const kind: DayKind = rest.has(date) ? 'rest' : work.has(date) ? 'work' : weekday >= 5 ? 'weekend' : 'workday';
    const name = s.names?.[date];
    cells.push({ date, day, weekday, kind, ...(name ? { name } : {}) });
  }
  while (cells.length % 7) cells.push(null);
  const weeks: (GridDay | null)[][] = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  return weeks;
}

const sorted = (dates: Iterable<string>) => [...new Set(dates)].sort();

/**
 * Clicking a day: a rest or make-up day goes back to ordinary (and loses its name); an ordinary
 * weekday becomes a rest day, an ordinary weekend day a make-up working day.
 */
export function toggleDay<S extends Schedule>(s: S, date: string): S {
  const kind = dayKind(s, date);
  if (kind === 'rest' || kind === 'work') {
    const { [date]: _, ...names } = s.names;
    return kind === 'rest' ? { ...s, rest: s.rest.filter((d) => d !== date), names } : { ...s, work: s.work.filter((d) => d !== date), names };
  }
  if (kind === 'weekend') return { ...s, work: sorted([...s.work, date]) };
  return { ...s, rest: sorted([...s.rest, date]) };
}

/** Names a rest day (an empty name removes it). */
export function nameDay<S extends Schedule>(s: S, date: string, name: string): S {
  const { [date]: _, ...names } = s.names;
  return { ...s, names: name.trim() ? { ...names, [date]: name.trim() } : names };
}

/** The China date (YYYY-MM-DD) of an ISO instant: due times are read in China time. */
export function chinaDay(iso: string): string {
  return new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 10);
}

const EN_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "1月5日" / "5 Jan"; with the year ("2027年1月5日" / "5 Jan 2027") unless it is `thisYear`. */
export function dayWords(date: string, lang: 'zh' | 'en', thisYear?: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const withYear = thisYear !== y;
  if (lang === 'zh') return `${withYear ? `${y}年` : ''}${m}月${d}日`;
  return `${d} ${EN_MONTHS[m - 1]}${withYear ? ` ${y}` : ''}`;
}

/** The month's name for a month grid's heading. */
export function monthWords(month: number, lang: 'zh' | 'en'): string {
  return lang === 'zh' ? `${month}月` : ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'][month - 1]!;
}
