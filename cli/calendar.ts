// `villageflow calendar import FILE` and `villageflow calendar show YEAR`: a township's working-day
// calendar from the command line, as the web app's calendar page does it (server/routers/calendar.ts).
import { calendarVersion, checkCalendarYear, fromHolidayCn, makeWorkCalendar, baselineVersions, CalendarInputError, CalendarRefusedError, type CalendarVersion } from '../engine/index.ts';
import { CliError, parseOptions as parse, readJson } from './io.ts';
import type { Out } from './villageflow.ts';

/** The year as people read it: its status and notice, each rest day and make-up day with its holiday. */
export function calendarText(v: CalendarVersion): string[] {
  const status = v.status === 'official' ? '正式安排 official' : '暂定（仅法定节假日）provisional: statutory holidays only, no official schedule yet';
  const lines = [`${v.year} ${status}`, `hash ${v.hash}`];
  if (v.source) lines.push(`通知 notice: ${v.source.title}${v.source.number ? `（${v.source.number}）` : ''}`);
  lines.push(`休息日 rest days (${v.rest.length}):`);
  for (const d of v.rest) lines.push(`  ${d} ${v.names?.[d] ?? ''}`.trimEnd());
  lines.push(`调休上班 make-up working days (${v.work.length}):`);
  for (const d of v.work) lines.push(`  ${d} ${v.names?.[d] ?? ''}`.trimEnd());
  return lines;
}

async function withRuntime<T>(db: string, fn: (runtime: import('../server/matters/runtime.ts').Runtime, townshipId: string) => Promise<T>, township?: string): Promise<T> {
  const { openStore } = await import('../server/store/open.ts');
  const { Runtime } = await import('../server/matters/runtime.ts');
  const { systemClock } = await import('../server/clock.ts');
  const store = openStore(db);
  try {
    await store.migrate();
    const runtime = new Runtime(store, systemClock);
    let townshipId = township;
    if (!townshipId) {
      const ids = (await store.listTownships()).map((t) => t.id);
      if (ids.length !== 1) throw new CliError(`the database holds ${ids.length} townships; name one with --township ID`);
      townshipId = ids[0]!;
    } else if (!(await store.getTownship(townshipId))) throw new CliError(`township ${townshipId} does not exist`);
    return await fn(runtime, townshipId);
  } finally {
    await store.close();
  }
}

export async function cmdCalendar(args: string[], io: Out): Promise<number> {
  const [sub, ...rest] = args;
  const { values, flags, rest: positional } = parse(rest, ['db', 'township', 'title', 'number', 'as'], ['check']);
  const db = values.db ?? process.env.VILLAGEFLOW_DB;
  if (sub === 'show') {
    const year = Number(positional[0]);
    if (positional.length !== 1 || !Number.isInteger(year) || year < 1901 || year > 2099) throw new CliError('calendar show needs a YEAR (1901-2099)');
    const version = db
      ? await withRuntime(db, async (runtime, townshipId) => (await runtime.calendar(townshipId)).version(year)!, values.township)
      : makeWorkCalendar(baselineVersions()).version(year)!;
    for (const line of calendarText(version)) io.out(line);
    return 0;
  }
  if (sub === 'import') {
    if (positional.length !== 1) throw new CliError('calendar import needs one FILE (holiday-cn JSON: { year, papers, days: [{ name, date, isOffDay }] })');
    const file = positional[0]!;
    let year;
    try {
      year = fromHolidayCn(readJson(file), { title: values.title, number: values.number });
    } catch (error) {
      if (error instanceof CalendarInputError) throw new CliError(`${file}: ${error.message}`);
      throw error;
    }
    const problems = checkCalendarYear(year);
    for (const p of problems) io.err(`${file}: ${p.date ?? year.year}: ${p.message.zh} (${p.message.en})`);
    if (problems.length) {
      io.err(`${file}: refused, nothing was changed`);
      return 1;
    }
    const version = calendarVersion(year);
    if (flags.has('check') || !db) {
      for (const line of calendarText(version)) io.out(line);
      io.out(db ? 'checked: it may be adopted (run without --check to adopt it)' : 'checked: it may be adopted (give --db FILE or VILLAGEFLOW_DB to adopt it)');
      return 0;
    }
    const result = await withRuntime(db, async (runtime, townshipId) => {
      const by = values.as ?? 'cli';
      try {
        return await runtime.adoptCalendar({ id: by, townshipId, username: by, displayName: by, roles: [], mustChangePassword: false }, year);
      } catch (error) {
        if (error instanceof CalendarRefusedError) throw new CliError(error.message);
        throw error;
      }
    }, values.township);
    io.out(`adopted ${version.year} (${result.hash}); recomputed the due times of ${result.recomputed} running matter(s)`);
    return 0;
  }
  throw new CliError('usage: villageflow calendar import FILE [--title T] [--number N] [--check] [--db FILE] [--township ID] [--as NAME]\n       villageflow calendar show YEAR [--db FILE] [--township ID]');
}
