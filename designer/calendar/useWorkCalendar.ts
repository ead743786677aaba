// The working-day calendar the designer counts on: the township's versions of this year and the
// next (official, built-in, or provisional from the law), as the server counts due times; any
// other year provisional from the law, as the server would make it. And where a period started
// now ends on it. (The engine stays out of the pages that only show due times.)
import { useMemo } from 'react';
import { useQueries } from '@tanstack/react-query';
import { addPeriod, makeWorkCalendar, type Period, type WorkCalendar } from '../../engine/index.ts';
import { calendarApi } from './api.ts';
import { chinaDay } from './schedule.ts';

export interface DesignerCalendar {
  calendar: WorkCalendar;
  /** The years from `from` to `to` (ISO times) whose schedule is provisional, ascending. */
  provisionalYears(from: string, to: string): number[];
}

export function provisionalYearsBetween(calendar: WorkCalendar, from: string, to: string): number[] {
  const first = Number(chinaDay(from).slice(0, 4));
  const last = Number(chinaDay(to).slice(0, 4));
  const years: number[] = [];
  for (let y = first; y <= last && years.length < 20; y++) if (calendar.version(y)?.status === 'provisional') years.push(y);
  return years;
}

export function useWorkCalendar(now = new Date().toISOString()): DesignerCalendar {
  const year = Number(chinaDay(now).slice(0, 4));
  const shown = useQueries({
    queries: [year, year + 1].map((y) => ({ queryKey: ['calendar', 'show', y], queryFn: () => calendarApi.show.query({ year: y }), staleTime: 60_000 })),
  });
  const versions = shown.flatMap((q) => (q.data ? [q.data.version] : []));
  const key = versions.map((v) => v.hash).join();
  // One calendar per set of versions: a WorkCalendar keeps its counts, so re-renders reuse them.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const calendar = useMemo(() => makeWorkCalendar(versions), [key]);
  return { calendar, provisionalYears: (from, to) => provisionalYearsBetween(calendar, from, to) };
}

/**
 * The China date a period started at `now` ends on, by the engine's own arithmetic (the one the
 * server uses for due times); null while the period is not a valid one.
 */
export function periodEnd(period: Period, now: string, calendar?: WorkCalendar): string | null {
  try {
    return chinaDay(addPeriod(now, period, calendar));
  } catch {
    return null;
  }
}
