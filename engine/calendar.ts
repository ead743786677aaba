// The working-day calendar as data. A calendar year is the official schedule of one year (its
// statutory rest days and make-up working days, with the notice they come from) or, while there
// is none, a provisional year made from the law alone; each is an immutable version with a hash.
// The host passes the versions it holds (makeWorkCalendar), as it passes the time; a record that
// counted working days names the versions it used, and replay uses exactly those.
//
// chinese-days is used here only for its lunar and solar-term arithmetic (provisional years and
// the checks); its holiday data was copied once into calendars/cn-2004-2026.json, the baseline.
import chineseDays from 'chinese-days';
import baselineFile from './calendars/cn-2004-2026.json' with { type: 'json' };
import { EngineError } from './errors.ts';
import { hashJson } from './hash.ts';

export interface CalendarSource {
  /** The notice's title, e.g. 国务院办公厅关于2027年部分节假日安排的通知. */
  title: string;
  /** Its document number, e.g. 国办发明电〔2026〕X号. */
  number?: string;
}

export interface CalendarYear {
  year: number;
  status: 'official' | 'provisional';
  /** YYYY-MM-DD: every rest day of the schedule's holidays (weekdays and the weekends among them). */
  rest: string[];
  /** YYYY-MM-DD: make-up working days (调休上班), each a Saturday or Sunday. */
  work: string[];
  /** Date → holiday name (zh). */
  names?: Record<string, string>;
  source: CalendarSource | null;
}

export interface CalendarVersion extends CalendarYear {
  /** hashJson of the year without `hash`. */
  hash: string;
}

export type CalendarProblemCode =
  | 'YEAR_INVALID'
  | 'DATE_INVALID'
  | 'DATE_OUTSIDE_YEAR'
  | 'DUPLICATE'
  | 'REST_AND_WORK'
  | 'WORKDAY_NOT_WEEKEND'
  | 'HOLIDAY_NOT_REST'
  | 'SOURCE_MISSING';

export interface CalendarProblem {
  code: CalendarProblemCode;
  date?: string;
  message: { zh: string; en: string };
}

/** The system event that recomputes running working-day timers after a year's schedule is adopted. */
export const RECALENDAR = 'RECALENDAR';

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a valid YYYY-MM-DD, or NaN. */
export function dayNumber(date: string): number {
  const m = typeof date === 'string' ? DATE.exec(date) : null;
  if (!m) return NaN;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!);
  const n = ms / DAY_MS;
  return dayString(n) === date ? n : NaN;
}

/** YYYY-MM-DD of a day number. */
export function dayString(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** 0 Sunday … 6 Saturday. */
function weekday(n: number): number {
  return (((n + 4) % 7) + 7) % 7;
}

const WEEKDAY_ZH = ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'];
const WEEKDAY_EN = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** The canonical form of a year (sorted dates, names only when given) and its hash. */
export function calendarVersion(year: CalendarYear): CalendarVersion {
  const body: CalendarYear = {
    year: year.year,
    status: year.status,
    rest: [...year.rest].sort(),
    work: [...year.work].sort(),
    ...(year.names && Object.keys(year.names).length ? { names: Object.fromEntries(Object.entries(year.names).sort(([a], [b]) => (a < b ? -1 : 1))) } : {}),
    source: year.source ? { title: year.source.title, ...(year.source.number ? { number: year.source.number } : {}) } : null,
  };
  return { ...body, hash: hashJson(body) };
}

/** Version objects already found intact (hashing a version costs more than a replay step). */
const intact = new WeakSet<object>();

/**
 * True when `v` carries the hash of its own content. Remembered per object, so a caller must not
 * change a version it passed in (versions are immutable data).
 */
export function versionIntact(v: CalendarVersion): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (intact.has(v)) return true;
  try {
    if (calendarVersion(v).hash !== v.hash) return false;
  } catch {
    return false;
  }
  intact.add(v);
  return true;
}

// --- The law: 全国年节及纪念日放假办法 (2024 amendment), the days every citizen rests. ---

export interface StatutoryHoliday {
  date: string;
  zh: string;
  en: string;
}

/** Lunar month/day of a year as a solar date (non-leap month), or null outside 1901-2099. */
function lunar(year: number, month: number, day: number): number | null {
  if (year < 1901 || year > 2099) return null;
  const { date } = chineseDays.getSolarDateFromLunar(`${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`);
  const n = dayNumber(date);
  return Number.isNaN(n) ? null : n;
}

/**
 * The 13 statutory holidays of a year: 新年 1 Jan; 春节 除夕 and 正月初一-初三; 清明 on the 清明
 * solar term; 劳动节 1-2 May; 端午 五月初五; 中秋 八月十五; 国庆 1-3 Oct. Lunar days come from the
 * lunar calendar (years 1901-2099; outside it only the fixed dates).
 */
export function statutoryHolidays(year: number): StatutoryHoliday[] {
  const out: StatutoryHoliday[] = [];
  const fixed = (month: number, day: number, zh: string, en: string) => out.push({ date: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`, zh, en });
  const at = (n: number | null, zh: string, en: string) => {
    if (n !== null) out.push({ date: dayString(n), zh, en });
  };
  fixed(1, 1, '元旦', "New Year's Day");
  const springDay = lunar(year, 1, 1);
  if (springDay !== null) {
    at(springDay - 1, '除夕', "Spring Festival Eve");
    at(springDay, '春节', 'Spring Festival');
    at(springDay + 1, '春节', 'Spring Festival');
    at(springDay + 2, '春节', 'Spring Festival');
  }
  if (year >= 1901 && year <= 2099) at(dayNumber(chineseDays.getSolarTermDate(year, 4, 'pure_brightness')), '清明节', 'Qingming Festival');
  fixed(5, 1, '劳动节', 'Labour Day');
  fixed(5, 2, '劳动节', 'Labour Day');
  at(lunar(year, 5, 5), '端午节', 'Dragon Boat Festival');
  at(lunar(year, 8, 15), '中秋节', 'Mid-Autumn Festival');
  fixed(10, 1, '国庆节', 'National Day');
  fixed(10, 2, '国庆节', 'National Day');
  fixed(10, 3, '国庆节', 'National Day');
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/** A year with no official schedule: weekends plus the statutory holidays of the law, no make-up days. */
export function provisionalYear(year: number): CalendarYear {
  const names: Record<string, string> = {};
  for (const h of statutoryHolidays(year)) names[h.date] = names[h.date] && names[h.date] !== h.zh ? `${names[h.date]}、${h.zh}` : h.zh;
  return { year, status: 'provisional', rest: Object.keys(names).sort(), work: [], names, source: null };
}

function problem(code: CalendarProblemCode, zh: string, en: string, date?: string): CalendarProblem {
  return date === undefined ? { code, message: { zh, en } } : { code, date, message: { zh, en } };
}

/** Everything wrong with a year (empty when it may be adopted). Each problem names its date. */
export function checkCalendarYear(year: CalendarYear): CalendarProblem[] {
  const problems: CalendarProblem[] = [];
  const y = year?.year;
  if (!Number.isInteger(y) || y < 1901 || y > 2099) {
    return [problem('YEAR_INVALID', `年份 ${String(y)} 无效（应为 1901–2099 的整数）`, `year ${String(y)} is not a whole number from 1901 to 2099`)];
  }
  if (year.status === 'official' && !(year.source && typeof year.source.title === 'string' && year.source.title.trim())) {
    problems.push(problem('SOURCE_MISSING', '缺少放假通知的标题', "the official notice's title is missing"));
  }
  const lists: [('rest' | 'work'), string, string][] = [['rest', '休息日', 'rest day'], ['work', '调休上班日', 'make-up working day']];
  const seen = new Map<string, 'rest' | 'work'>();
  for (const [key, zh, en] of lists) {
    const dates = Array.isArray(year[key]) ? year[key] : [];
    for (const date of dates) {
      const n = dayNumber(date);
      if (Number.isNaN(n)) {
        problems.push(problem('DATE_INVALID', `${zh} “${String(date)}” 不是有效日期（YYYY-MM-DD）`, `${en} "${String(date)}" is not a valid date (YYYY-MM-DD)`, String(date)));
        continue;
      }
      if (!date.startsWith(`${y}-`)) {
        problems.push(problem('DATE_OUTSIDE_YEAR', `${date} 不在 ${y} 年内`, `${date} is not in ${y}`, date));
        continue;
      }
      const was = seen.get(date);
      if (was === key) problems.push(problem('DUPLICATE', `${date} 重复列出`, `${date} is listed twice`, date));
      else if (was) problems.push(problem('REST_AND_WORK', `${date} 既是休息日又是上班日`, `${date} is both a rest day and a working day`, date));
      seen.set(date, key);
      if (key === 'work' && weekday(n) !== 0 && weekday(n) !== 6) {
        problems.push(problem('WORKDAY_NOT_WEEKEND', `调休上班日 ${date} 是${WEEKDAY_ZH[weekday(n)]}，应为周六或周日`, `make-up working day ${date} is a ${WEEKDAY_EN[weekday(n)]}, not a Saturday or Sunday`, date));
      }
    }
  }
  if (year.status === 'official') {
    for (const h of statutoryHolidays(y)) {
      const n = dayNumber(h.date);
      const rests = seen.get(h.date) === 'rest' || ((weekday(n) === 0 || weekday(n) === 6) && seen.get(h.date) !== 'work');
      if (!rests) problems.push(problem('HOLIDAY_NOT_REST', `${h.date}（${h.zh}）是法定节假日，但安排中不是休息日`, `${h.date} (${h.en}) is a statutory holiday but not a rest day in the schedule`, h.date));
    }
  }
  return problems;
}

/** Thrown for a schedule file whose shape is wrong: names the field or row. */
export class CalendarInputError extends EngineError {
  readonly field: string;
  constructor(field: string, message: string) {
    // The pointer is a JSON pointer (days[3].date → /days/3/date), as every issue's is.
    super('CALENDAR_INVALID', `${field}: ${message}`, [{ pointer: field === '/' ? '' : '/' + field.replace(/\[(\d+)\]/g, '.$1').split('.').join('/'), message }]);
    this.name = 'CalendarInputError';
    this.field = field;
  }
}

/** A year's schedule refused by the checks: `problems` name each date (nothing was changed). */
export class CalendarRefusedError extends EngineError {
  readonly problems: CalendarProblem[];
  constructor(year: number, problems: CalendarProblem[]) {
    super('CALENDAR_INVALID', `the ${year} schedule is refused: ${problems.map((p) => p.message.en).join('; ')}`, problems.map((p) => ({ pointer: p.date ? `/${p.date}` : '/', message: p.message.zh })));
    this.name = 'CalendarRefusedError';
    this.problems = problems;
  }
}

/**
 * A holiday-cn file (`{ year, papers, days: [{ name, date, isOffDay }] }`, github.com/NateScarlet/holiday-cn)
 * as a calendar year. `source` gives the notice's title and number (default title: the usual one).
 */
export function fromHolidayCn(json: unknown, source?: Partial<CalendarSource>): CalendarYear {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new CalendarInputError('/', 'must be an object { year, papers, days }');
  const { year, days, papers } = json as { year?: unknown; days?: unknown; papers?: unknown };
  if (!Number.isInteger(year)) throw new CalendarInputError('year', `must be a whole number, got ${JSON.stringify(year) ?? 'nothing'}`);
  if (papers !== undefined && (!Array.isArray(papers) || papers.some((p) => typeof p !== 'string'))) throw new CalendarInputError('papers', 'must be a list of texts');
  if (!Array.isArray(days)) throw new CalendarInputError('days', 'must be a list of { name, date, isOffDay }');
  const rest: string[] = [];
  const work: string[] = [];
  const names: Record<string, string> = {};
  days.forEach((row: unknown, i) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new CalendarInputError(`days[${i}]`, 'must be an object { name, date, isOffDay }');
    const { name, date, isOffDay } = row as { name?: unknown; date?: unknown; isOffDay?: unknown };
    if (typeof name !== 'string' || !name.trim()) throw new CalendarInputError(`days[${i}].name`, 'must be the holiday name');
    if (typeof date !== 'string' || Number.isNaN(dayNumber(date))) throw new CalendarInputError(`days[${i}].date`, `must be a date YYYY-MM-DD, got ${JSON.stringify(date) ?? 'nothing'}`);
    if (typeof isOffDay !== 'boolean') throw new CalendarInputError(`days[${i}].isOffDay`, 'must be true (rest day) or false (make-up working day)');
    (isOffDay ? rest : work).push(date);
    names[date] = name;
  });
  const title = source?.title?.trim() || `国务院办公厅关于${year as number}年部分节假日安排的通知`;
  return { year: year as number, status: 'official', rest, work, names, source: source?.number ? { title, number: source.number } : { title } };
}

// --- The baseline: 2004-2026 as chinese-days 1.5.7 held them. ---

let baseline: CalendarVersion[] | undefined;
/** The baseline versions (2004-2026), loaded into every store by its migration. */
export function baselineVersions(): CalendarVersion[] {
  return (baseline ??= (baselineFile.years as unknown as CalendarYear[]).map(calendarVersion));
}

// --- Working-day calendars ---

interface YearDays {
  version: CalendarVersion | null;
  rest: Set<string>;
  work: Set<string>;
}

const CACHE_LIMIT = 10_000;

/** Where a count of working days ends, and which version of each year it read. */
export interface WorkdayShift {
  days: number;
  /** Year → version hash, for every year the count passed through (recorded calendars only). */
  calendars?: Record<string, string>;
}

/**
 * What the engine counts working days on. Built by makeWorkCalendar (the host's versions),
 * replayCalendar (the versions a record names) or legacyCalendar (records made before calendars
 * were data). Holds its versions and a cache of counts; never changes what it answers.
 */
export class WorkCalendar {
  /** True when records must name the versions used (every calendar but the legacy one). */
  readonly recorded: boolean;
  private readonly years = new Map<number, YearDays>();
  private readonly missing: ((year: number) => CalendarVersion | null) | null;
  private readonly shifts = new Map<string, WorkdayShift>();

  constructor(versions: readonly CalendarVersion[], recorded: boolean, missing: ((year: number) => CalendarVersion | null) | null) {
    this.recorded = recorded;
    this.missing = missing;
    for (const v of versions) this.years.set(v.year, { version: v, rest: new Set(v.rest), work: new Set(v.work) });
  }

  private yearDays(year: number): YearDays {
    let y = this.years.get(year);
    if (y === undefined) {
      const v = this.missing ? this.missing(year) : null;
      y = v ? { version: v, rest: new Set(v.rest), work: new Set(v.work) } : { version: null, rest: new Set(), work: new Set() };
      this.years.set(year, y);
    }
    return y;
  }

  /** The version this calendar answers `year` with (null: weekends only, the legacy calendar's other years). */
  version(year: number): CalendarVersion | null {
    return this.yearDays(year).version;
  }

  /** Every version this calendar has answered with or holds. */
  versions(): CalendarVersion[] {
    return [...this.years.values()].flatMap((y) => (y.version ? [y.version] : [])).sort((a, b) => a.year - b.year);
  }

  /** Whether a China date (YYYY-MM-DD) is a working day. */
  isWorkday(date: string): boolean {
    const n = dayNumber(date);
    if (Number.isNaN(n)) throw new RangeError(`not a date: ${date}`);
    return this.isWorkdayN(n, date);
  }

  private isWorkdayN(n: number, date: string): boolean {
    const y = this.yearDays(+date.slice(0, 4));
    const wd = weekday(n);
    return wd === 0 || wd === 6 ? y.work.has(date) : !y.rest.has(date);
  }

  /**
   * How many days after the China date `start` the `count`-th working day falls (count ≥ 1), as
   * chinese-days' findWorkday counts: the days after `start`, not `start` itself.
   */
  shift(count: number, start: string): WorkdayShift {
    const key = `${count} ${start}`;
    const cached = this.shifts.get(key);
    if (cached !== undefined) return cached;
    const first = dayNumber(start);
    let n = first;
    let left = count;
    while (left > 0) {
      n++;
      if (this.isWorkdayN(n, dayString(n))) left--;
    }
    const result: WorkdayShift = { days: n - first };
    if (this.recorded) {
      const calendars: Record<string, string> = {};
      const last = +dayString(n).slice(0, 4);
      for (let year = +dayString(first + 1).slice(0, 4); year <= last; year++) calendars[year] = this.yearDays(year).version!.hash;
      result.calendars = calendars;
    }
    if (this.shifts.size >= CACHE_LIMIT) this.shifts.clear();
    this.shifts.set(key, result);
    return result;
  }
}

/**
 * The host's calendar: its versions (baseline and adopted, one per year), and for any year it
 * lacks a provisional version made from the law, which the host then persists (versions()).
 */
export function makeWorkCalendar(versions: readonly CalendarVersion[]): WorkCalendar {
  return new WorkCalendar(versions, true, (year) => calendarVersion(provisionalYear(year)));
}

let baselineHost: WorkCalendar | undefined;
/**
 * The calendar of a host that holds only the baseline: 2004-2026 official, every other year
 * provisional. What the designer's simulation and the golden runs count on (a township's adopted
 * years are the server's).
 */
export function baselineCalendar(): WorkCalendar {
  return (baselineHost ??= makeWorkCalendar(baselineVersions()));
}

/** Calendar versions a chain may use: a list, or a lookup by hash (like FlowVersions). */
export type CalendarVersions = readonly CalendarVersion[] | ((hash: string) => CalendarVersion | undefined);

/** Lookups built from lists, per list (a host passes the same list for many chains). */
const lookups = new WeakMap<readonly CalendarVersion[], (hash: string) => CalendarVersion | undefined>();

/** A lookup by hash; versions whose content does not give their hash are left out. */
export function calendarLookup(versions: CalendarVersions | undefined): (hash: string) => CalendarVersion | undefined {
  if (typeof versions === 'function') return (hash) => {
    const v = versions(hash);
    return v && v.hash === hash && versionIntact(v) ? v : undefined;
  };
  const list = versions ?? [];
  let find = lookups.get(list);
  if (find === undefined) {
    const byHash = new Map<string, CalendarVersion>();
    for (const v of list) if (versionIntact(v)) byHash.set(v.hash, v);
    find = (hash) => byHash.get(hash);
    lookups.set(list, find);
  }
  return find;
}

/**
 * The calendar a record's listed versions make, for replay: exactly those versions; a year they
 * do not cover has no answer (an error), so nothing a replay computes comes from code.
 */
/**
 * Replay calendars by the hashes they hold. Versions are content-addressed and checked intact
 * (calendarLookup), so the same hashes always make the same calendar, whoever supplied them; kept
 * so that verifying many chains does not rebuild (and re-count on) the same calendar each time.
 */
const replayCalendars = new Map<string, WorkCalendar>();

export function replayCalendar(hashes: readonly string[], find: (hash: string) => CalendarVersion | undefined): WorkCalendar {
  const key = hashes.join(' ');
  const known = replayCalendars.get(key);
  const versions: CalendarVersion[] = [];
  for (const hash of hashes) {
    // Every hash must still be supplied by this caller, even when the calendar is known.
    const v = typeof hash === 'string' ? find(hash) : undefined;
    if (!v) throw new EngineError('CALENDAR_MISSING', `calendar version ${String(hash)} was not supplied`);
    versions.push(v);
  }
  if (known) return known;
  const made = new WorkCalendar(versions, true, (year) => {
    throw new EngineError('CALENDAR_MISSING', `the record's calendar versions do not cover ${year}`);
  });
  if (replayCalendars.size >= 1000) replayCalendars.clear();
  replayCalendars.set(key, made);
  return made;
}

let legacy: WorkCalendar | undefined;
/**
 * What every record made before calendars were data was computed on: the baseline for 2004-2026
 * and weekends only for every other year, exactly chinese-days 1.5.7. Its records name no versions.
 */
export function legacyCalendar(): WorkCalendar {
  return (legacy ??= new WorkCalendar(baselineVersions(), false, null));
}
