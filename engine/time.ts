// Time arithmetic for timers: ISO-8601 durations on the natural calendar, or counted in Chinese
// working days on a WorkCalendar the host passes (calendar.ts; by default the legacy calendar).
// All calendar reasoning happens in China time (UTC+8, no daylight saving), because that is the
// calendar the rules use.
import { parse as parseIso } from 'tinyduration';
import { legacyCalendar, type WorkCalendar, type WorkdayShift } from './calendar.ts';
import { getAt } from './pointer.ts';
import type { Calendar, Deadline, Period } from './types.ts';

const CHINA_OFFSET_MS = 8 * 3600_000;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export interface Duration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

export function parseDuration(text: string): Duration {
  const d = parseIso(text);
  return {
    years: d.years ?? 0,
    months: d.months ?? 0,
    weeks: d.weeks ?? 0,
    days: d.days ?? 0,
    hours: d.hours ?? 0,
    minutes: d.minutes ?? 0,
    seconds: d.seconds ?? 0,
  };
}

/** Why a duration cannot be used on this calendar, or null when it can. */
export function durationProblem(text: string, calendar: Calendar = 'natural'): string | null {
  let d: Duration;
  try {
    d = parseDuration(text);
  } catch {
    return `"${text}" is not an ISO-8601 duration (e.g. P7D, PT72H)`;
  }
  const total = d.years + d.months + d.weeks + d.days + d.hours + d.minutes + d.seconds;
  if (total <= 0) return `duration "${text}" must be longer than zero`;
  if (calendar === 'working' && (d.years || d.months || d.weeks || d.hours || d.minutes || d.seconds)) {
    return `working-day duration "${text}" must be whole days only (e.g. P5D)`;
  }
  if (d.years > 100) return `duration "${text}" is longer than 100 years`;
  return null;
}

// Every event parses one or two times and formats one, and every timer started formats two more:
// through Date.parse and Date#toISOString that is about a microsecond per event, most of it
// toISOString. epochMs and isoString do the same for the shapes the engine meets (ISO times with
// valid fields, years 0000-9999) with integer arithmetic, and hand everything else to Date itself,
// so their results are Date's, always (tests/engine/time-fast.test.ts checks them against it).

const DAY_MS = 86_400_000;
/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: where toISOString has four-digit years. */
const MIN_ISO_MS = -62_167_219_200_000;
const MAX_ISO_MS = 253_402_300_799_999;

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** The value of `n` ASCII digits of `text` from `at`, or -1 if any is not a digit. */
function digits(text: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = text.charCodeAt(i) - 48; // NaN past the end, which the test below rejects
    if (!(c >= 0 && c <= 9)) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Epoch ms of YYYY-MM-DDTHH:mm[:ss[.f{1,9}]](Z|±HH:mm) with every field in range, as Date.parse
 * gives it (fractions truncated to milliseconds); NaN for anything else, which Date.parse decides.
 */
function fastIsoMs(text: string): number {
  const n = text.length;
  if (n < 17 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 || text.charCodeAt(13) !== 58) return NaN;
  const y = digits(text, 0, 4);
  const mo = digits(text, 5, 2);
  const d = digits(text, 8, 2);
  const h = digits(text, 11, 2);
  const mi = digits(text, 14, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h < 0 || h > 23 || mi < 0 || mi > 59) return NaN;
  let i = 16;
  let sec = 0;
  let frac = 0;
  if (text.charCodeAt(i) === 58) {
    sec = digits(text, i + 1, 2);
    if (sec < 0 || sec > 59) return NaN;
    i += 3;
    if (text.charCodeAt(i) === 46) {
      let count = 0;
      for (i++; i < n && count < 10; i++, count++) {
        const c = text.charCodeAt(i) - 48;
        if (!(c >= 0 && c <= 9)) break;
        if (count < 3) frac = frac * 10 + c;
      }
      if (count === 0 || count > 9) return NaN;
      frac *= count === 1 ? 100 : count === 2 ? 10 : 1;
    }
  }
  let offset = 0;
  const zone = text.charCodeAt(i);
  if (zone === 90 /* Z */) {
    if (i + 1 !== n) return NaN;
  } else if (zone === 43 || zone === 45 /* + - */) {
    if (i + 6 !== n || text.charCodeAt(i + 3) !== 58) return NaN;
    const zh = digits(text, i + 1, 2);
    const zm = digits(text, i + 4, 2);
    if (zh < 0 || zh > 23 || zm < 0 || zm > 59) return NaN;
    offset = (zone === 43 ? 1 : -1) * (zh * 60 + zm) * 60_000;
  } else {
    return NaN;
  }
  return daysFromCivil(y, mo, d) * DAY_MS + ((h * 60 + mi) * 60 + sec) * 1000 + frac - offset;
}

/** Date.parse(text). */
export function epochMs(text: string): number {
  if (typeof text !== 'string') return Date.parse(text);
  const ms = fastIsoMs(text);
  return Number.isNaN(ms) ? Date.parse(text) : ms;
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/** new Date(ms).toISOString(), including its RangeError for an invalid time. */
export function isoString(ms: number): string {
  if (!Number.isInteger(ms) || ms < MIN_ISO_MS || ms > MAX_ISO_MS) return new Date(ms).toISOString();
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  // Civil date from days since the epoch (Howard Hinnant's algorithm).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const mi = Math.floor(rest / 60_000);
  rest -= mi * 60_000;
  const sec = Math.floor(rest / 1000);
  const milli = rest - sec * 1000;
  return (
    TWO_DIGITS[Math.floor(y / 100)]! + TWO_DIGITS[y % 100]! + '-' + TWO_DIGITS[m]! + '-' + TWO_DIGITS[d]! +
    'T' + TWO_DIGITS[h]! + ':' + TWO_DIGITS[mi]! + ':' + TWO_DIGITS[sec]! +
    '.' + TWO_DIGITS[Math.floor(milli / 10)]! + (milli % 10) + 'Z'
  );
}

/** Parses an ISO-8601 timestamp with a zone; returns epoch ms or null. */
export function parseTime(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  // Every text fastIsoMs reads matches ISO_TIME, so the pattern is only needed for the others.
  const fast = fastIsoMs(text);
  if (!Number.isNaN(fast)) return fast;
  if (!ISO_TIME.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}

/** The canonical form of a time in history: UTC with milliseconds. */
export function canonicalTime(text: string): string {
  const ms = parseTime(text);
  if (ms === null) throw new Error(`not an ISO-8601 time with a zone: ${text}`);
  return isoString(ms);
}

/** The China date (YYYY-MM-DD) of epoch ms. */
export function chinaDate(ms: number): string {
  return isoString(ms + CHINA_OFFSET_MS).slice(0, 10);
}

// Every timer of every state entered computes a due time, and flows use a handful of durations:
// parsing each once saves most of addPeriod (working-day counts are cached by their calendar).
// The cache is pure (same answer as recomputing) and bounded.
const CACHE_LIMIT = 10_000;
const durations = new Map<string, Duration>();

/** parseDuration, cached (the same object for the same text: never change it). */
export function durationOf(text: string): Duration {
  const cached = durations.get(text);
  if (cached !== undefined) return cached;
  if (durations.size >= CACHE_LIMIT) durations.clear();
  const d = parseDuration(text);
  durations.set(text, d);
  return d;
}

/** A working-day period from `from`: its due time, and the calendar versions it counted on. */
export function workingDue(from: string, days: number, calendar: WorkCalendar): { due: string; shift: WorkdayShift } {
  const start = epochMs(from);
  const shift = calendar.shift(days, chinaDate(start));
  return { due: isoString(start + shift.days * DAY_MS), shift };
}

/** When a period that starts at `from` (ISO time) ends; working days count on `calendar`. */
export function addPeriod(from: string, period: Period, calendar: WorkCalendar = legacyCalendar()): string {
  const start = epochMs(from);
  const d = durationOf(period.duration);
  if (period.calendar === 'working') {
    return isoString(start + calendar.shift(d.days, chinaDate(start)).days * DAY_MS);
  }
  // Calendar fields move in China local time; clock fields are exact elapsed time.
  const days = d.weeks * 7 + d.days;
  const clockMs = ((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000;
  if (d.years === 0 && d.months === 0 && Number.isInteger(days) && Math.abs(clockMs) <= 1e12 && start >= MIN_ISO_MS && start <= MAX_ISO_MS) {
    // Whole days in a zone without daylight saving are exact multiples of 24 hours: what the Date
    // arithmetic below gives, without its Date objects (bounds keep every step within Date's range).
    return isoString(start + days * DAY_MS + clockMs);
  }
  const local = new Date(start + CHINA_OFFSET_MS);
  local.setUTCFullYear(local.getUTCFullYear() + d.years, local.getUTCMonth() + d.months);
  local.setUTCDate(local.getUTCDate() + days);
  return isoString(local.getTime() - CHINA_OFFSET_MS + clockMs);
}

export function isWorkingDay(at: string, calendar: WorkCalendar = legacyCalendar()): boolean {
  return calendar.isWorkday(chinaDate(epochMs(at)));
}

/** The most days a deadline read from instance data may have (ten years). */
export const MAX_DATA_DAYS = 3660;

/**
 * The period of a deadline when its step is entered with `data`: the first `daysFrom` pointer that
 * holds a whole number of days from 1 to MAX_DATA_DAYS gives that many days on the deadline's
 * calendar (a catalogue item's promised time limit, say); otherwise the deadline's own duration.
 * Anything else at a pointer (absent, 0 for "no promise", a fraction) is passed over, so a flow
 * always has a deadline to fall back on.
 */
export function deadlinePeriod(deadline: Deadline, data: Record<string, unknown>): Period {
  for (const pointer of deadline.daysFrom ?? []) {
    const days = getAt(data, pointer);
    if (typeof days === 'number' && Number.isInteger(days) && days >= 1 && days <= MAX_DATA_DAYS) {
      return deadline.calendar ? { duration: `P${days}D`, calendar: deadline.calendar } : { duration: `P${days}D` };
    }
  }
  return deadline;
}
