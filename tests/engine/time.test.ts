// Timer arithmetic: natural days in China time, and Chinese working days across holidays.
import { describe, expect, it } from 'vitest';
import { addPeriod, isWorkingDay } from '../../engine/index.ts';
import { durationProblem } from '../../engine/time.ts';

describe('natural calendar', () => {
  it('adds days in China time, keeping the clock time', () => {
    expect(addPeriod('2026-03-02T09:00:00.000+08:00', { duration: 'P7D' })).toBe('2026-03-09T01:00:00.000Z');
  });
  it('adds hours as elapsed time', () => {
    expect(addPeriod('2026-03-02T23:30:00+08:00', { duration: 'PT72H' })).toBe('2026-03-05T15:30:00.000Z');
  });
  it('adds months on the China-time calendar date', () => {
    // 2026-01-31 07:00 China time is still 2026-01-30 in UTC: the month moves in China time.
    expect(addPeriod('2026-01-31T07:00:00+08:00', { duration: 'P1M' })).toBe('2026-03-02T23:00:00.000Z');
  });
});

describe('working days', () => {
  it('skips weekends', () => {
    // Friday 2026-03-06 + 1 working day = Monday 2026-03-09.
    expect(addPeriod('2026-03-06T10:00:00+08:00', { duration: 'P1D', calendar: 'working' })).toBe('2026-03-09T02:00:00.000Z');
  });
  it('skips the National Day holiday', () => {
    // 2026-09-30 (Wed) + 1 working day: 10-01..10-07 are holidays, so 2026-10-08.
    expect(addPeriod('2026-09-30T10:00:00+08:00', { duration: 'P1D', calendar: 'working' })).toBe('2026-10-08T02:00:00.000Z');
    expect(isWorkingDay('2026-10-05T10:00:00+08:00')).toBe(false);
  });
  it('counts a make-up working Saturday', () => {
    // 2026-02-14 is a Saturday worked in lieu of the Spring Festival holiday.
    expect(isWorkingDay('2026-02-14T10:00:00+08:00')).toBe(true);
    expect(addPeriod('2026-02-13T10:00:00+08:00', { duration: 'P1D', calendar: 'working' })).toBe('2026-02-14T02:00:00.000Z');
  });
});

describe('duration problems', () => {
  it('accepts what the calendars can count', () => {
    expect(durationProblem('P7D')).toBeNull();
    expect(durationProblem('P5D', 'working')).toBeNull();
    expect(durationProblem('PT1H30M')).toBeNull();
  });
  it('names what they cannot', () => {
    expect(durationProblem('7 days')).toMatch(/not an ISO-8601 duration/);
    expect(durationProblem('P0D')).toMatch(/longer than zero/);
    expect(durationProblem('PT5H', 'working')).toMatch(/whole days only/);
    expect(durationProblem('P1W', 'working')).toMatch(/whole days only/);
  });
});
