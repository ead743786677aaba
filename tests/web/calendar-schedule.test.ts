// The calendar pages' pure parts: a year's month grids start on Monday and mark rest, make-up and
// weekend days; clicking a day toggles it the way the page says; dates read as people write them.
import { describe, expect, it } from 'vitest';
import { chinaDay, dayKind, dayWords, monthGrid, nameDay, toggleDay, weekdayOf, type Schedule } from '../../designer/calendar/schedule.ts';
import { periodEnd } from '../../designer/calendar/useWorkCalendar.ts';

// Made up for the test (not an official schedule): New Year off on Friday 1 Jan 2027 and the
// Monday after, with Saturday 9 Jan a make-up working day.
const year: Schedule = { year: 2027, rest: ['2027-01-01', '2027-01-02', '2027-01-03', '2027-01-04'], work: ['2027-01-09'], names: { '2027-01-01': '元旦' } };

describe('calendar schedule', () => {
  it('lays a month out in weeks from Monday, each day with its kind', () => {
    expect(weekdayOf('2027-01-01')).toBe(4); // a Friday
    const weeks = monthGrid(year, 1);
    expect(weeks[0]!.slice(0, 4)).toEqual([null, null, null, null]);
    expect(weeks[0]![4]).toEqual({ date: '2027-01-01', day: 1, weekday: 4, kind: 'rest', name: '元旦' });
    expect(weeks.flat().filter(Boolean)).toHaveLength(31);
    expect(weeks.every((w) => w.length === 7)).toBe(true);
    const kinds = Object.fromEntries(weeks.flat().flatMap((d) => (d ? [[d.date, d.kind]] : [])));
    expect(kinds['2027-01-04']).toBe('rest');
    expect(kinds['2027-01-09']).toBe('work');
    expect(kinds['2027-01-10']).toBe('weekend');
    expect(kinds['2027-01-11']).toBe('workday');
    // February of a leap year has its 29th.
    expect(monthGrid({ ...year, year: 2028 }, 2).flat().filter(Boolean)).toHaveLength(29);
  });

  it('toggles a weekday to a rest day, a weekend day to a make-up day, and back', () => {
    const a = toggleDay(year, '2027-01-12');
    expect(dayKind(a, '2027-01-12')).toBe('rest');
    expect(a.rest).toEqual([...year.rest, '2027-01-12']);
    const b = toggleDay(a, '2027-01-16');
    expect(dayKind(b, '2027-01-16')).toBe('work');
    expect(b.work).toEqual(['2027-01-09', '2027-01-16']);
    // Back to ordinary: a rest day loses its name with it.
    const c = toggleDay(b, '2027-01-01');
    expect(dayKind(c, '2027-01-01')).toBe('workday');
    expect(c.names).toEqual({});
    expect(dayKind(toggleDay(c, '2027-01-16'), '2027-01-16')).toBe('weekend');
    expect(year.rest).toHaveLength(4); // the original is untouched
  });

  it('names and unnames a day', () => {
    const named = nameDay(year, '2027-01-04', ' 元旦 ');
    expect(named.names['2027-01-04']).toBe('元旦');
    expect(nameDay(named, '2027-01-04', '').names).toEqual({ '2027-01-01': '元旦' });
  });

  it('writes dates as people read them, in China time', () => {
    expect(dayWords('2027-01-05', 'zh', 2027)).toBe('1月5日');
    expect(dayWords('2027-01-05', 'en', 2027)).toBe('5 Jan');
    expect(dayWords('2026-12-31', 'zh', 2027)).toBe('2026年12月31日');
    expect(dayWords('2026-12-31', 'en', 2027)).toBe('31 Dec 2026');
    // 17:00 UTC on 4 January is already 5 January in China.
    expect(chinaDay('2027-01-04T17:00:00.000Z')).toBe('2027-01-05');
  });

  it('says where a working-day period started now ends, by the engine (2025 National Day: 1-8 Oct off, Sat 11 Oct worked)', () => {
    const at = '2025-09-30T02:00:00.000Z';
    expect(periodEnd({ duration: 'P1D', calendar: 'working' }, at)).toBe('2025-10-09');
    expect(periodEnd({ duration: 'P5D', calendar: 'working' }, at)).toBe('2025-10-14');
    expect(periodEnd({ duration: 'P5D' }, at)).toBe('2025-10-05');
    expect(periodEnd({ duration: 'five days', calendar: 'working' }, at)).toBeNull();
  });
});
