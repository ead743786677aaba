// Time arithmetic for timers: ISO-8601 durations on the natural calendar, or counted in Chinese
// working days (statutory holidays and make-up days from `chinese-days`). All calendar reasoning
// happens in China time (UTC+8, no daylight saving), because that is the calendar the rules use.
import chineseDays from 'chinese-days';
import { parse as parseIso } from 'tinyduration';
import type { Calendar, Period } from './types.ts';

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

/** Parses an ISO-8601 timestamp with a zone; returns epoch ms or null. */
export function parseTime(text: unknown): number | null {
  if (typeof text !== 'string' || !ISO_TIME.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}

/** The canonical form of a time in history: UTC with milliseconds. */
export function canonicalTime(text: string): string {
  const ms = parseTime(text);
  if (ms === null) throw new Error(`not an ISO-8601 time with a zone: ${text}`);
  return new Date(ms).toISOString();
}

function chinaDate(ms: number): string {
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** When a period that starts at `from` (ISO time) ends. */
export function addPeriod(from: string, period: Period): string {
  const start = Date.parse(from);
  const d = parseDuration(period.duration);
  if (period.calendar === 'working') {
    const startDay = chinaDate(start);
    const dueDay = chineseDays.findWorkday(d.days, startDay);
    const dayDelta = Math.round((Date.parse(dueDay) - Date.parse(startDay)) / 86400_000);
    return new Date(start + dayDelta * 86400_000).toISOString();
  }
  // Calendar fields move in China local time; clock fields are exact elapsed time.
  const local = new Date(start + CHINA_OFFSET_MS);
  local.setUTCFullYear(local.getUTCFullYear() + d.years, local.getUTCMonth() + d.months);
  local.setUTCDate(local.getUTCDate() + d.weeks * 7 + d.days);
  const clockMs = ((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000;
  return new Date(local.getTime() - CHINA_OFFSET_MS + clockMs).toISOString();
}

export function isWorkingDay(at: string): boolean {
  return chineseDays.isWorkday(chinaDate(Date.parse(at)));
}
