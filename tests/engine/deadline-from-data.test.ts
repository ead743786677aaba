// Deadlines whose length comes from the instance data (`deadline.daysFrom`): a promise made per case,
// such as a catalogue item's promised working days, read when the step is entered.
import { describe, expect, it } from 'vitest';
import { apply, compileFlow, start, validateFlow, type Flow, type FlowEvent, type InstanceSnapshot } from '../../engine/index.ts';
import { deadlinePeriod } from '../../engine/time.ts';

const agent = { id: 'u-agent', roles: ['agent'] };
const system = { id: 'system', roles: ['system'] };

function flow(daysFrom: string[] | undefined): Flow {
  return {
    id: 'promise-check',
    version: '1.0.0',
    title: { zh: '承诺时限' },
    roles: { agent: { zh: '代办员' } },
    starters: ['agent'],
    data: {
      type: 'object',
      additionalProperties: false,
      properties: {
        service: { type: 'object', properties: { days: { type: 'integer' } } },
        form: { type: 'object', properties: { days: { type: 'integer' } } },
      },
    },
    initial: 'intake',
    states: {
      intake: {
        kind: 'task',
        title: { zh: '登记' },
        roles: ['agent'],
        form: { schema: { type: 'object', properties: { days: { type: 'integer' } } }, saveTo: '/form' },
        on: { SUBMIT: 'handling' },
      },
      handling: {
        kind: 'task',
        title: { zh: '承办' },
        roles: ['agent'],
        form: { schema: { type: 'object' }, saveTo: '/form' },
        deadline: { duration: 'P5D', calendar: 'working', ...(daysFrom ? { daysFrom } : {}) },
        on: { SUBMIT: 'done', 'DEADLINE.EXCEEDED': 'supervision' },
      },
      supervision: { kind: 'task', title: { zh: '督办' }, roles: ['agent'], form: { schema: { type: 'object' }, saveTo: '/form' }, on: { SUBMIT: 'handling' } },
      done: { kind: 'final', title: { zh: '办结' }, outcome: 'completed' },
    },
  } as Flow;
}

const FROM = ['/service/days', '/form/days'];
// Monday 2026-04-27, 10:00 China time; May 1-5 is the Labour Day holiday and Saturday May 9 a make-up day.
const MONDAY = '2026-04-27T10:00:00+08:00';

function run(daysFrom: string[] | undefined, startData: Record<string, unknown>, formDays?: number): InstanceSnapshot {
  const compiled = compileFlow(flow(daysFrom));
  const first = start(compiled, { type: 'START', actor: agent, at: '2026-04-27T09:00:00+08:00', payload: { data: startData } });
  const submit: FlowEvent = { type: 'SUBMIT', actor: agent, at: MONDAY, payload: formDays === undefined ? {} : { days: formDays } };
  return apply(compiled, first.snapshot, submit).snapshot;
}

describe('deadline.daysFrom', () => {
  it('takes the days from the first pointer that holds some, on the deadline calendar', () => {
    // 10 working days from Monday April 27 across the holiday: Wednesday May 13.
    expect(run(FROM, { service: { days: 10 } }, 3).context.timers['handling:deadline']!.due).toBe('2026-05-13T02:00:00.000Z');
    // No service promise: the form's 3 days.
    expect(run(FROM, {}, 3).context.timers['handling:deadline']!.due).toBe('2026-04-30T02:00:00.000Z');
  });

  it('falls back on the duration when no pointer holds a whole number of days from 1', () => {
    const fiveDays = '2026-05-07T02:00:00.000Z';
    expect(run(FROM, {}).context.timers['handling:deadline']!.due).toBe(fiveDays);
    expect(run(FROM, { service: { days: 0 } }).context.timers['handling:deadline']!.due).toBe(fiveDays);
    expect(run(undefined, { service: { days: 10 } }, 3).context.timers['handling:deadline']!.due).toBe(fiveDays);
  });

  it('is read at entry: the timer is refused before the promised time and escalates after it', () => {
    const compiled = compileFlow(flow(FROM));
    let snap = start(compiled, { type: 'START', actor: agent, at: '2026-04-27T09:00:00+08:00', payload: { data: { service: { days: 10 } } } }).snapshot;
    snap = apply(compiled, snap, { type: 'SUBMIT', actor: agent, at: MONDAY, payload: {} }).snapshot;
    const timer = { type: 'TIMER', actor: system, payload: { timer: 'handling:deadline' } };
    // Where a fixed P5D would have fired, the promise has not passed yet.
    expect(() => apply(compiled, snap, { ...timer, at: '2026-05-07T10:00:00+08:00' })).toThrow(/not due until 2026-05-13T02:00:00.000Z/);
    const late = apply(compiled, snap, { ...timer, at: '2026-05-13T10:00:00+08:00' });
    expect(late.snapshot.state).toBe('supervision');
    expect(late.record).toMatchObject({ type: 'TIMER', state: 'supervision', payload: { timer: 'handling:deadline' } });
    // Back to handling after supervision: the promise starts again from re-entry.
    const again = apply(compiled, late.snapshot, { type: 'SUBMIT', actor: agent, at: '2026-05-14T14:00:00+08:00', payload: {} });
    expect(again.snapshot.context.timers['handling:deadline']!.due).toBe('2026-05-28T06:00:00.000Z');
    expect(again.effects).toContainEqual({ type: 'timer.schedule', timer: 'handling:deadline', due: '2026-05-28T06:00:00.000Z' });
  });

  it('is validated: pointers must be declared in the data schema and well formed', () => {
    expect(validateFlow(flow(FROM))).toEqual([]);
    const undeclared = validateFlow(flow(['/nowhere/days']));
    expect(undeclared).toEqual([{ pointer: '/states/handling/deadline/daysFrom/0', message: expect.stringContaining('not declared') }]);
    expect(validateFlow(flow(['days'])).map((i) => i.pointer)).toContain('/states/handling/deadline/daysFrom/0');
    expect(validateFlow(flow([])).map((i) => i.pointer)).toContain('/states/handling/deadline/daysFrom');
  });

  it('deadlinePeriod keeps the calendar and needs no calendar', () => {
    expect(deadlinePeriod({ duration: 'P5D', calendar: 'working', daysFrom: ['/a'] }, { a: 12 })).toEqual({ duration: 'P12D', calendar: 'working' });
    expect(deadlinePeriod({ duration: 'P5D', daysFrom: ['/a'] }, { a: 3 })).toEqual({ duration: 'P3D' });
    expect(deadlinePeriod({ duration: 'P5D', daysFrom: ['/a'] }, { a: 99999 })).toMatchObject({ duration: 'P5D' });
    expect(deadlinePeriod({ duration: 'P5D', daysFrom: ['/a'] }, { a: '7' })).toMatchObject({ duration: 'P5D' });
    expect(deadlinePeriod({ duration: 'P5D', daysFrom: ['/a', '/b'] }, { a: 2.5, b: 4 })).toEqual({ duration: 'P4D' });
  });
});
