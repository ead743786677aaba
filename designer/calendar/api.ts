// The calendar pages' calls to the server's `calendar` router, and the shapes they exchange.
import { api } from '../app/trpc.ts';

export interface Source {
  title: string;
  number?: string;
}
export interface Version {
  year: number;
  status: 'official' | 'provisional';
  rest: string[];
  work: string[];
  names?: Record<string, string>;
  source: Source | null;
  hash: string;
}
export interface Problem {
  code: string;
  date?: string;
  message: { zh: string; en: string };
}
export interface YearRow {
  year: number;
  status: 'official' | 'provisional' | 'baseline';
  hash: string | null;
  source: Source | null;
  adoptedAt: string | null;
  adoptedBy: string | null;
}
export interface Shown {
  version: Version;
  provisional: boolean;
}
export interface Preview {
  version: Version;
  problems: Problem[];
  affected: number;
}
/** A year's schedule as sent for a preview or adoption: a version without its hash. */
export type Draft = Omit<Version, 'hash'> & { names: Record<string, string> };

interface CalendarApi {
  years: { query(): Promise<YearRow[]> };
  show: { query(input: { year: number }): Promise<Shown> };
  preview: { mutate(input: { year: Draft } | { holidayCn: unknown; title?: string; number?: string }): Promise<Preview> };
  adopt: { mutate(input: { year: Draft }): Promise<{ hash: string; recomputed: number }> };
}

// Typed here from /work/calendar-contract.md until the router is merged; then `api.calendar`.
export const calendarApi = (api as unknown as { calendar: CalendarApi }).calendar;

/** A version as an editable draft: an official schedule-to-be, with its own copy of the lists. */
export function draftOf(v: Version): Draft {
  return { year: v.year, status: 'official', rest: [...v.rest], work: [...v.work], names: { ...(v.names ?? {}) }, source: v.source ? { ...v.source } : null };
}
