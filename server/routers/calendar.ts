// The working-day calendar of a township (issue 16): which version answers each year, a year's
// schedule shown, a new year's official schedule previewed with its checks and adopted. Adopting
// recomputes every running due time that counted on another version of the year (RECALENDAR).
import { z } from 'zod';
import { calendarVersion, checkCalendarYear, fromHolidayCn, makeWorkCalendar, type CalendarYear } from '../../engine/index.ts';
import { router, townshipProcedure } from './trpc.ts';
import { peopleNames } from '../org/names.ts';
import type { Runtime } from '../matters/runtime.ts';

const readers = townshipProcedure('township_admin', 'township_reviewer', 'auditor');
const admins = townshipProcedure('township_admin');

const date = z.string().max(10);
const yearShape = z.object({
  year: z.number().int().min(1901).max(2099),
  status: z.enum(['official', 'provisional']).optional(),
  rest: z.array(date).max(366),
  work: z.array(date).max(366),
  names: z.record(z.string().max(10), z.string().max(100)).optional(),
  source: z.object({ title: z.string().max(300), number: z.string().max(100).optional() }).nullable(),
});
const yearInput = z.object({ year: yearShape });
const previewInput = z.union([yearInput, z.object({ holidayCn: z.unknown(), title: z.string().max(300).optional(), number: z.string().max(100).optional() })]);

/** The year as an official schedule to check and adopt (holiday-cn files are turned into one; bad shape → CALENDAR_INVALID naming the field). */
function officialYear(input: z.infer<typeof previewInput>): CalendarYear {
  if ('year' in input) {
    const y = input.year;
    return { year: y.year, status: 'official', rest: y.rest, work: y.work, ...(y.names ? { names: y.names } : {}), source: y.source ? { title: y.source.title, ...(y.source.number ? { number: y.source.number } : {}) } : null };
  }
  return fromHolidayCn(input.holidayCn, { title: input.title, number: input.number });
}

/** The China year of the server's time. */
const chinaYear = (runtime: Runtime) => new Date(Date.parse(runtime.now()) + 8 * 3600_000).getUTCFullYear();

export const calendarRouter = router({
  years: readers.query(async ({ ctx }) => {
    const { store } = ctx.runtime;
    const [rows, calendar] = await Promise.all([store.calendarYears(ctx.user.townshipId), ctx.runtime.calendar(ctx.user.townshipId)]);
    const names = await peopleNames(store, ctx.user.townshipId, rows.flatMap((r) => (r.adoptedBy ? [r.adoptedBy] : [])));
    const byYear = new Map(rows.map((r) => [r.version.year, r]));
    const last = Math.max(chinaYear(ctx.runtime) + 1, ...rows.map((r) => r.version.year));
    const out = [];
    for (let year = 2004; year <= last; year++) {
      const row = byYear.get(year);
      const version = row?.version ?? calendar.version(year)!;
      out.push({
        year,
        status: row ? (row.baseline ? 'baseline' : 'official') : 'provisional',
        hash: version.hash,
        source: version.source,
        adoptedAt: row?.adoptedAt ?? null,
        adoptedBy: row?.adoptedBy ? (names.get(row.adoptedBy) ?? row.adoptedBy) : null,
      } as const);
    }
    return out;
  }),

  show: readers.input(z.object({ year: z.number().int().min(1901).max(2099) })).query(async ({ ctx, input }) => {
    const version = (await ctx.runtime.calendar(ctx.user.townshipId)).version(input.year)!;
    return { version, provisional: version.status === 'provisional' };
  }),

  preview: admins.input(previewInput).mutation(async ({ ctx, input }) => {
    const year = officialYear(input);
    const version = calendarVersion(year);
    const problems = checkCalendarYear(year);
    // Running matters whose due times would change: timers that counted on another version of the year.
    const rows = await ctx.runtime.store.calendarYears(ctx.user.townshipId);
    const withIt = makeWorkCalendar([...rows.map((r) => r.version).filter((v) => v.year !== year.year), ...(problems.length ? [] : [version])]);
    const affected = problems.length ? 0 : (await ctx.runtime.staleInstances(ctx.user.townshipId, withIt)).filter((s) => s.years.includes(year.year)).length;
    return { version, problems, affected };
  }),

  adopt: admins.input(yearInput).mutation(async ({ ctx, input }) => ctx.runtime.adoptCalendar(ctx.user, officialYear(input))),
});
