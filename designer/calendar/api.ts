// The calendar pages' calls to the server's `calendar` router, and the shapes they exchange.
import { api } from '../app/trpc.ts';
import type { CalendarSource, CalendarVersion } from '../../engine/index.ts';

export const calendarApi = api.calendar;
export type Source = CalendarSource;
export type Version = CalendarVersion;
export type YearRow = Awaited<ReturnType<typeof calendarApi.years.query>>[number];
export type Preview = Awaited<ReturnType<typeof calendarApi.preview.mutate>>;
export type Problem = Preview['problems'][number];
/** A year's schedule as sent for a preview or adoption: a version without its hash. */
export type Draft = Omit<Version, 'hash'> & { names: Record<string, string> };

/** A version as an editable draft: an official schedule-to-be, with its own copy of the lists. */
export function draftOf(v: Version): Draft {
  return { year: v.year, status: 'official', rest: [...v.rest], work: [...v.work], names: { ...(v.names ?? {}) }, source: v.source ? { ...v.source } : null };
}
