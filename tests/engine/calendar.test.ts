// The working-day calendar as versioned data: checks on a year's schedule, provisional years from
// the law, records naming the versions they counted on, RECALENDAR after an adoption, and replay
// that uses exactly the versions a record names.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  apply, baselineVersions, calendarVersion, checkCalendarYear, compileFlow, fromHolidayCn, hashJson, makeWorkCalendar, provisionalYear,
  RECALENDAR, replay, simulate, staleCalendarYears, start, verify, CalendarInputError,
  type CalendarVersion, type CalendarYear, type Flow, type FlowEvent, type HistoryRecord,
} from '../../engine/index.ts';

/** MADE UP FOR TESTS ONLY (see its $comment): a 2027 schedule that passes the checks. */
export const MADE_UP_2027 = JSON.parse(readFileSync(new URL('../fixtures/calendar-2027.made-up.holiday-cn.json', import.meta.url), 'utf8')) as unknown;
const TEST_SOURCE = { title: '测试用虚构的2027年放假安排（非官方）', number: 'TEST-2027' };

const clerk = { id: 'u-clerk', roles: ['clerk'] };
const system = { id: 'system', roles: ['system'] };

/** A notice of five working days, then a deadline of ten working days. */
const flow: Flow = {
  id: 'calendar-notice',
  version: '1.0.0',
  title: { zh: '公示' },
  roles: { clerk: { zh: '文书' } },
  starters: ['clerk'],
  data: { type: 'object' },
  initial: 'draft',
  states: {
    draft: { kind: 'task', title: { zh: '起草' }, roles: ['clerk'], form: { schema: { type: 'object', properties: { text: { type: 'string' } } }, saveTo: '/draft' }, on: { SUBMIT: 'notice' } },
    notice: {
      kind: 'disclosure',
      title: { zh: '公示' },
      roles: ['clerk'],
      disclosure: { publish: ['/draft'], period: { duration: 'P5D', calendar: 'working' } },
      on: { 'DISCLOSURE.ENDED': 'review' },
    },
    review: { kind: 'task', title: { zh: '审核' }, roles: ['clerk'], form: { schema: { type: 'object' }, saveTo: '/review' }, deadline: { duration: 'P10D', calendar: 'working' }, on: { SUBMIT: 'done' } },
    done: { kind: 'final', title: { zh: '办结' }, outcome: 'completed' },
  },
} as Flow;

function events(submitAt: string): FlowEvent[] {
  return [
    { type: 'START', actor: clerk, at: '2026-09-01T09:00:00+08:00', payload: {} },
    { type: 'SUBMIT', actor: clerk, at: submitAt, payload: { text: '公示内容' } },
  ];
}

const adopted2027 = (): CalendarVersion => calendarVersion(fromHolidayCn(MADE_UP_2027, TEST_SOURCE));

describe('checking a year', () => {
  it('passes the baseline years under the 2024 law and the made-up 2027 fixture', () => {
    for (const v of baselineVersions().filter((v) => v.year >= 2025)) expect(checkCalendarYear(v)).toEqual([]);
    expect(checkCalendarYear(fromHolidayCn(MADE_UP_2027, TEST_SOURCE))).toEqual([]);
  });

  it('refuses a schedule that misses Spring Festival, naming the date', () => {
    const year = fromHolidayCn(MADE_UP_2027, TEST_SOURCE);
    const missing: CalendarYear = { ...year, rest: year.rest.filter((d) => d !== '2027-02-08') };
    const problems = checkCalendarYear(missing);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'HOLIDAY_NOT_REST', date: '2027-02-08' });
    expect(problems[0]!.message.zh).toContain('2027-02-08（春节）');
  });

  it('refuses a make-up working day on a Tuesday, and a date outside the year', () => {
    const year = fromHolidayCn(MADE_UP_2027, TEST_SOURCE);
    const problems = checkCalendarYear({ ...year, work: [...year.work, '2027-03-02'], rest: [...year.rest, '2026-12-31'] });
    expect(problems.map((p) => [p.code, p.date])).toEqual([
      ['DATE_OUTSIDE_YEAR', '2026-12-31'],
      ['WORKDAY_NOT_WEEKEND', '2027-03-02'],
    ]);
    expect(problems[1]!.message.zh).toContain('星期二');
  });

  it('names the row of a malformed holiday-cn file', () => {
    const bad = { year: 2027, days: [{ name: '元旦', date: '2027-01-01', isOffDay: true }, { name: '元旦', date: '2027-13-01', isOffDay: true }] };
    expect(() => fromHolidayCn(bad)).toThrow(CalendarInputError);
    expect(() => fromHolidayCn(bad)).toThrow(/days\[1\]\.date/);
    expect(() => fromHolidayCn({ days: [] })).toThrow(/^year:/);
  });

  it('makes a provisional year from the law: weekends plus the 13 statutory days', () => {
    const p = provisionalYear(2027);
    expect(p.rest).toEqual(['2027-01-01', '2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-04-05', '2027-05-01', '2027-05-02', '2027-06-09', '2027-09-15', '2027-10-01', '2027-10-02', '2027-10-03']);
    expect(p.work).toEqual([]);
    expect(checkCalendarYear(p)).toEqual([]);
    // A version is content-addressed: the same year gives the same hash.
    expect(calendarVersion(provisionalYear(2027)).hash).toBe(calendarVersion(p).hash);
  });
});

describe('counting on versioned calendars', () => {
  const compiled = compileFlow(flow);
  const baseline = baselineVersions();
  const v2026 = baseline.find((v) => v.year === 2026)!;

  it('a 5-working-day notice started 2026-12-29 is provisional and ends on the date the law gives', () => {
    const calendar = makeWorkCalendar(baseline);
    const steps = simulate(compiled, events('2026-12-29T10:00:00+08:00'), { calendar });
    const submitted = steps[1]!;
    // 12-30, 12-31, (1 Jan New Year), 01-04, 01-05, 01-06.
    expect(submitted.snapshot.context.disclosure!.until).toBe('2027-01-06T02:00:00.000Z');
    const provisional = calendar.version(2027)!;
    expect(provisional.status).toBe('provisional');
    expect(submitted.record.calendars).toEqual([v2026.hash, provisional.hash].sort());
    expect(submitted.snapshot.context.timers['notice:disclosure']).toEqual({
      due: '2027-01-06T02:00:00.000Z',
      from: '2026-12-29T02:00:00.000Z',
      days: 5,
      calendars: { 2026: v2026.hash, 2027: provisional.hash },
    });
    // The START record counted no working days, so it names no calendar and hashes as before.
    expect(steps[0]!.record).not.toHaveProperty('calendars');
    // Without a calendar (the legacy one: weekends only in 2027), the notice ended a day earlier.
    expect(simulate(compiled, events('2026-12-29T10:00:00+08:00'))[1]!.snapshot.context.disclosure!.until).toBe('2027-01-05T02:00:00.000Z');
  });

  it('adopting 2027 recomputes the notice with one record, and the chain verifies with its versions', () => {
    const before = makeWorkCalendar(baseline);
    const steps = simulate(compiled, events('2026-12-29T10:00:00+08:00'), { calendar: before });
    const provisional = before.version(2027)!;
    const official = adopted2027();
    const after = makeWorkCalendar([...baseline, official]);
    const re = apply(compiled, steps[1]!.snapshot, { type: RECALENDAR, actor: system, at: '2026-12-30T08:00:00+08:00', payload: { year: 2027, calendar: official.hash } }, { calendar: after });
    expect(re.record.payload).toEqual({ year: 2027, calendar: official.hash, changes: [{ timer: 'notice:disclosure', from: '2027-01-06T02:00:00.000Z', to: '2027-01-07T02:00:00.000Z' }] });
    expect(re.record.calendars).toEqual([v2026.hash, official.hash].sort());
    expect(re.record.state).toBe('notice');
    // A record with calendars hashes as the canonical JSON of all its keys, calendars included.
    const { hash, ...unsigned } = re.record;
    expect(hash).toBe(hashJson(unsigned));
    expect(re.snapshot.context.disclosure!.until).toBe('2027-01-07T02:00:00.000Z');
    expect(re.effects).toContainEqual({ type: 'timer.schedule', timer: 'notice:disclosure', due: '2027-01-07T02:00:00.000Z' });
    // The notice stays up (no end, no second notice): only its end moves.
    expect(re.effects).toContainEqual({ type: 'disclosure.reschedule', state: 'notice', until: '2027-01-07T02:00:00.000Z' });
    expect(re.effects.filter((e) => e.type === 'disclosure.end' || e.type === 'disclosure.publish')).toEqual([]);
    // A second RECALENDAR has nothing left to do.
    expect(() => apply(compiled, re.snapshot, { type: RECALENDAR, actor: system, at: '2026-12-30T09:00:00+08:00', payload: { year: 2027, calendar: official.hash } }, { calendar: after })).toThrow(/no running timer/);
    // The old due time no longer fires; the new one does.
    expect(() => apply(compiled, re.snapshot, { type: 'TIMER', actor: system, at: '2027-01-06T10:00:00+08:00', payload: { timer: 'notice:disclosure' } }, { calendar: after })).toThrow(/not due until 2027-01-07/);
    const ended = apply(compiled, re.snapshot, { type: 'TIMER', actor: system, at: '2027-01-07T10:00:00+08:00', payload: { timer: 'notice:disclosure' } }, { calendar: after });
    const records: HistoryRecord[] = [...steps.map((s) => s.record), re.record, ended.record];
    const all = [...baseline, provisional, official];
    expect(verify(compiled, records, { calendars: all })).toMatchObject({ ok: true, count: 4 });
    expect(replay(compiled, records, { calendars: all }).at(-1)!.context.timers['review:deadline']!.calendars).toEqual({ 2027: official.hash });
    // Replay uses the versions the records name, never "the latest": without the provisional one it fails, naming it.
    const v = verify(compiled, records, { calendars: [...baseline, official] });
    expect(v).toMatchObject({ ok: false, seq: 2 });
    expect(!v.ok && v.reason).toContain(provisional.hash);
    // A record whose listed versions were swapped does not verify.
    const tampered = records.map((r) => (r.seq === 2 ? { ...r, calendars: [v2026.hash, official.hash].sort() } : r));
    expect(verify(compiled, tampered, { calendars: all }).ok).toBe(false);
  });

  it('a run across 2026 National Day replays to identical hashes before and after 2027 is adopted', () => {
    const run = events('2026-09-29T10:00:00+08:00');
    const before = simulate(compiled, run, { calendar: makeWorkCalendar(baseline) }).map((s) => s.record);
    const after = simulate(compiled, run, { calendar: makeWorkCalendar([...baseline, adopted2027()]) }).map((s) => s.record);
    expect(after.map((r) => r.hash)).toEqual(before.map((r) => r.hash));
    // 9-30, (Oct 1-7 holiday), 10-08, 10-09, Saturday 10-10 (a make-up day), 10-12: five working days.
    expect(replay(compiled, before, { calendars: baseline }).at(-1)!.context.disclosure!.until).toBe('2026-10-12T02:00:00.000Z');
    expect(before[1]!.calendars).toEqual([v2026.hash]);
    expect(verify(compiled, before, { calendars: baseline }).ok).toBe(true);
    expect(verify(compiled, after, { calendars: [...baseline, adopted2027()] }).ok).toBe(true);
  });

  it('a timer started before calendars were data (legacy, weekends only in 2027) is recounted when 2027 is adopted', () => {
    const legacySteps = simulate(compiled, events('2026-12-29T10:00:00+08:00'));
    const snap = legacySteps[1]!.snapshot;
    expect(snap.context.timers['notice:disclosure']).toEqual({ due: '2027-01-05T02:00:00.000Z' });
    const official = adopted2027();
    const after = makeWorkCalendar([...baseline, official]);
    expect(staleCalendarYears(compiled, snap, after)).toEqual([2027]);
    // Nothing is stale on a calendar that only holds the baseline years the legacy one counted on.
    expect(staleCalendarYears(compiled, legacySteps[0]!.snapshot, after)).toEqual([]);
    const re = apply(compiled, snap, { type: RECALENDAR, actor: system, at: '2026-12-30T08:00:00+08:00', payload: { year: 2027, calendar: official.hash } }, { calendar: after });
    expect(re.record.payload.changes).toEqual([{ timer: 'notice:disclosure', from: '2027-01-05T02:00:00.000Z', to: '2027-01-07T02:00:00.000Z' }]);
    expect(staleCalendarYears(compiled, re.snapshot, after)).toEqual([]);
    const records = [...legacySteps.map((x) => x.record), re.record];
    expect(verify(compiled, records, { calendars: [...baseline, official] }).ok).toBe(true);
  });

  it('the golden run across 2026 National Day gives its pinned hashes before and after 2027 is adopted', () => {
    const root = new URL('../../flows/', import.meta.url);
    const run = JSON.parse(readFileSync(new URL('runs/proxy-service.overdue-supervision-national-day.run.json', root), 'utf8')) as { flow: string; events: FlowEvent[]; expect: { hashes: string[] } };
    const golden = compileFlow(JSON.parse(readFileSync(new URL(run.flow, root), 'utf8')) as Flow);
    const before = simulate(golden, run.events, { calendar: makeWorkCalendar(baseline) }).map((x) => x.record);
    const after = simulate(golden, run.events, { calendar: makeWorkCalendar([...baseline, adopted2027()]) }).map((x) => x.record);
    expect(before.map((r) => r.hash)).toEqual(run.expect.hashes);
    expect(after.map((r) => r.hash)).toEqual(run.expect.hashes);
    expect(before.some((r) => r.calendars?.includes(v2026.hash))).toBe(true);
    expect(verify(golden, after, { calendars: baseline })).toMatchObject({ ok: true });
  });

  it('records made without a calendar name none and keep verifying on the legacy calendar', () => {
    const records = simulate(compiled, events('2026-12-29T10:00:00+08:00')).map((s) => s.record);
    expect(records.every((r) => !('calendars' in r))).toBe(true);
    expect(verify(compiled, records).ok).toBe(true);
    const first = start(compiled, events('2026-12-29T10:00:00+08:00')[0]!);
    expect(first.record.hash).toBe(records[0]!.hash);
  });
});
