// The engine's own time parsing and formatting must be Date's, exactly: epochMs is Date.parse,
// isoString is Date#toISOString (errors included), and addPeriod's fast path for whole days gives
// what the Date arithmetic gives.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import chineseDays from 'chinese-days';
import { addPeriod, epochMs, isoString, parseDuration } from '../../engine/time.ts';
import { legacyCalendar } from '../../engine/calendar.ts';
import type { Period } from '../../engine/types.ts';

const result = (f: () => unknown) => {
  try {
    return { value: f() };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
};

/** addPeriod as it was written before the fast path, with Date only. */
function referenceAddPeriod(from: string, period: Period): string {
  const CHINA = 8 * 3600_000;
  const start = Date.parse(from);
  const d = parseDuration(period.duration);
  if (period.calendar === 'working') {
    const startDay = new Date(start + CHINA).toISOString().slice(0, 10);
    const dueDay = chineseDays.findWorkday(d.days, startDay);
    const dayDelta = Math.round((Date.parse(dueDay) - Date.parse(startDay)) / 86400_000);
    return new Date(start + dayDelta * 86400_000).toISOString();
  }
  const local = new Date(start + CHINA);
  local.setUTCFullYear(local.getUTCFullYear() + d.years, local.getUTCMonth() + d.months);
  local.setUTCDate(local.getUTCDate() + d.weeks * 7 + d.days);
  const clockMs = ((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000;
  return new Date(local.getTime() - CHINA + clockMs).toISOString();
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');
/** ISO-like strings: mostly valid, often with fields out of range or shapes Date.parse handles its own way. */
const isoish = fc
  .record({
    y: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(1970, 2000, 2024, 2026, 2100)),
    mo: fc.integer({ min: 0, max: 13 }),
    d: fc.integer({ min: 0, max: 32 }),
    h: fc.integer({ min: 0, max: 25 }),
    mi: fc.integer({ min: 0, max: 60 }),
    s: fc.option(fc.integer({ min: 0, max: 60 })),
    frac: fc.option(fc.stringMatching(/^\d{1,11}$/)),
    zone: fc.oneof(fc.constant('Z'), fc.constant(''), fc.constant('z'), fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 })).map(([sg, h, m]) => `${sg}${pad(h, 2)}:${pad(m, 2)}`)),
    junk: fc.option(fc.constantFrom(' ', 'x', 'T', '0')),
  })
  .map(({ y, mo, d, h, mi, s, frac, zone, junk }) => {
    let t = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}`;
    if (s !== null) t += `:${pad(s, 2)}` + (frac !== null ? `.${frac}` : '');
    return t + zone + (junk ?? '');
  });

describe('epochMs is Date.parse', () => {
  it('on ISO-like strings', () => {
    fc.assert(
      fc.property(isoish, (text) => {
        expect(Object.is(epochMs(text), Date.parse(text))).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });
  it('on anything else', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(Object.is(epochMs(text), Date.parse(text))).toBe(true);
      }),
    );
    for (const text of ['', '2026-03-02', '2026-03-02T09:00:00.000+0800', '+002026-03-02T09:00:00Z', 'March 2, 2026', '2026-03-02T09:00:00.000Z\n']) {
      expect(Object.is(epochMs(text), Date.parse(text))).toBe(true);
    }
  });
});

describe('isoString is Date#toISOString', () => {
  it('on every kind of time value', () => {
    const ms = fc.oneof(
      fc.integer({ min: -62_167_219_200_000 - 10, max: 253_402_300_799_999 + 10 }),
      fc.integer({ min: -8.64e15, max: 8.64e15 }),
      fc.double(),
      fc.constantFrom(0, -0, -1, 1, 0.5, -0.5, 1.5, 8.64e15, -8.64e15, 8.64e15 + 1, NaN, Infinity, -Infinity, -62_167_219_200_000, 253_402_300_799_999),
    );
    fc.assert(
      fc.property(ms, (v) => {
        expect(result(() => isoString(v))).toEqual(result(() => new Date(v).toISOString()));
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('addPeriod', () => {
  it('gives what the Date arithmetic gives', () => {
    const from = fc.oneof(isoish, fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }).map((v) => new Date(v).toISOString()));
    const duration = fc.oneof(
      fc.constantFrom('P1D', 'P5D', 'P7D', 'P10D', 'P15D', 'P90D', 'P1W', 'P1M', 'P1Y', 'PT72H', 'PT1H30M', 'P1DT12H', 'PT0.5S', 'PT0.0001S', 'P1.5D', 'P1Y2M3DT4H5M6S', 'P999999999D', 'PT99999999999H', 'xx'),
      fc.tuple(fc.nat(400), fc.nat(50)).map(([d, h]) => `P${d}DT${h}H`),
    );
    const natural = fc.record({ duration, calendar: fc.constantFrom(undefined, 'natural' as const) });
    fc.assert(
      fc.property(from, natural, (f, period) => {
        expect(result(() => addPeriod(f, period))).toEqual(result(() => referenceAddPeriod(f, period)));
      }),
      { numRuns: 10_000 },
    );
  });
  it('the legacy calendar is chinese-days 1.5.7, day by day over 2003-2028', () => {
    // Records made before calendars were data replay on it, so it must answer as the package did.
    const calendar = legacyCalendar();
    for (let ms = Date.UTC(2003, 0, 1); ms <= Date.UTC(2028, 11, 31); ms += 86400_000) {
      const day = new Date(ms).toISOString().slice(0, 10);
      if (calendar.isWorkday(day) !== chineseDays.isWorkday(day)) expect.fail(`${day}: legacy ${calendar.isWorkday(day)}, chinese-days ${chineseDays.isWorkday(day)}`);
    }
  });
  it('counts working days as chinese-days does (legacy calendar, 2004-2027)', () => {
    const from = fc.integer({ min: Date.UTC(2004, 0, 1), max: Date.UTC(2027, 11, 1) }).map((v) => new Date(v).toISOString());
    const working = fc.record({ duration: fc.constantFrom('P1D', 'P3D', 'P5D', 'P10D', 'P15D', 'P20D'), calendar: fc.constant('working' as const) });
    fc.assert(
      fc.property(from, working, (f, period) => {
        expect(result(() => addPeriod(f, period))).toEqual(result(() => referenceAddPeriod(f, period)));
      }),
      { numRuns: 3000 },
    );
  });
});
