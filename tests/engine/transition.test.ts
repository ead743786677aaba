// The pure step: every kind of state, and every kind of refusal, which must change nothing.
import { describe, expect, it } from 'vitest';
import { apply, EngineError, openSteps, start, type InstanceSnapshot, type StepResult } from '../../engine/index.ts';
import { actor, clock, deepFreeze, event, loadCompiled, SYSTEM } from '../helpers.ts';

const mini = loadCompiled('tests/fixtures/mini.flow.json');
const clerk = actor('u-clerk', 'clerk');
const reviewer = actor('u-reviewer', 'reviewer');
const villager = actor('u-villager', 'villager');
const record = (present: number, yes: number, members = 21) => ({ members, eligible: members, present, for: yes, against: present - yes, abstain: 0, recused: 0 });

function started(): { t: ReturnType<typeof clock>; step: StepResult } {
  const t = clock();
  return { t, step: start(mini, event('START', clerk, t.next(), {})) };
}

function refuses(snap: InstanceSnapshot, ev: Parameters<typeof apply>[2], code: string, message?: RegExp) {
  const frozen = deepFreeze(structuredClone(snap));
  const before = JSON.stringify(frozen);
  let error: unknown;
  try {
    apply(mini, frozen, ev);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(EngineError);
  expect((error as EngineError).code).toBe(code);
  if (message) expect((error as EngineError).message).toMatch(message);
  expect(JSON.stringify(frozen)).toBe(before);
  return error as EngineError;
}

describe('start', () => {
  it('needs a starter role', () => {
    expect(() => start(mini, event('START', villager, '2026-03-02T09:00:00+08:00'))).toThrow(/needs one of the roles clerk/);
  });
  it('records the flow version hash in the first record and schedules the first deadline', () => {
    const { step } = started();
    expect(step.record).toMatchObject({ seq: 1, type: 'START', prev: null, state: 'draft', actor: { id: 'u-clerk', role: 'clerk' } });
    expect(step.record.payload.flow).toEqual({ id: 'mini', version: '1.0.0', hash: mini.hash });
    // 3 working days from Monday 2026-03-02 09:01 China time: Thursday 03-05 09:01.
    expect(step.effects).toEqual([{ type: 'timer.schedule', timer: 'draft:deadline', due: '2026-03-05T01:01:00.000Z' }]);
  });
  it('refuses initial data the data schema rejects', () => {
    expect(() => start(mini, event('START', clerk, '2026-03-02T09:00:00+08:00', { data: { proposal: 'text' } }))).toThrow(EngineError);
  });
});

describe('task with a form', () => {
  it('stores the form at saveTo and follows the first transition whose guard holds', () => {
    const { t, step } = started();
    const big = apply(mini, step.snapshot, event('SUBMIT', clerk, t.next(), { subject: '修村道', budget: 80000 }));
    expect(big.snapshot.state).toBe('review');
    expect(big.snapshot.context.data.proposal).toEqual({ subject: '修村道', budget: 80000 });
    const small = apply(mini, step.snapshot, event('SUBMIT', clerk, t.next(), { subject: '修路灯', budget: 2000 }));
    expect(small.snapshot.state).toBe('meeting');
    expect(small.effects).toContainEqual({ type: 'timer.cancel', timer: 'draft:deadline' });
  });
  it('refuses invalid form data with field errors, changing nothing', () => {
    const { t, step } = started();
    const e = refuses(step.snapshot, event('SUBMIT', clerk, t.next(), { subject: '', budget: -1, extra: 1 }), 'FORM_INVALID');
    const pointers = e.issues.map((i) => i.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/subject', '/budget']));
    refuses(step.snapshot, event('SUBMIT', clerk, t.next(), { subject: 'x' }), 'FORM_INVALID', /budget/);
  });
  it('refuses a user without the role before looking at the form', () => {
    const { t, step } = started();
    refuses(step.snapshot, event('SUBMIT', villager, t.next(), { subject: 'x', budget: 1 }), 'ROLE_FORBIDDEN', /clerk/);
    refuses(step.snapshot, event('SUBMIT', villager, t.next(), {}), 'ROLE_FORBIDDEN');
  });
  it('refuses an event the step does not take, naming what it takes', () => {
    const { t, step } = started();
    refuses(step.snapshot, event('APPROVE', clerk, t.next()), 'EVENT_NOT_ALLOWED', /takes SUBMIT, WITHDRAW/);
    refuses(step.snapshot, event('VOTE.PASSED', clerk, t.next()), 'EVENT_NOT_ALLOWED');
    refuses(step.snapshot, event('START', clerk, t.next()), 'EVENT_NOT_ALLOWED', /already started/);
  });
  it('refuses malformed events', () => {
    const { t, step } = started();
    refuses(step.snapshot, event('submit', clerk, t.next()), 'EVENT_INVALID');
    refuses(step.snapshot, event('SUBMIT', clerk, 'yesterday'), 'EVENT_INVALID', /ISO-8601/);
    refuses(step.snapshot, event('SUBMIT', clerk, '2026-03-02T10:00:00'), 'EVENT_INVALID', /zone/);
    refuses(step.snapshot, { type: 'SUBMIT', actor: { id: '', roles: [] }, at: t.next() }, 'EVENT_INVALID', /actor/);
    refuses(step.snapshot, { ...event('SUBMIT', clerk, t.next()), payload: [] as never }, 'EVENT_INVALID');
  });
  it('refuses an event earlier than the last one', () => {
    const { step } = started();
    refuses(step.snapshot, event('WITHDRAW', clerk, '2026-03-01T09:00:00+08:00'), 'TIME_REVERSED');
  });
});

describe('review', () => {
  function atReview() {
    const { t, step } = started();
    return { t, snap: apply(mini, step.snapshot, event('SUBMIT', clerk, t.next(), { subject: '修村道', budget: 80000 })).snapshot };
  }
  it('approve stores the decision at saveTo', () => {
    const { t, snap } = atReview();
    const next = apply(mini, snap, event('APPROVE', reviewer, t.next(), { opinion: '同意' }));
    expect(next.snapshot.state).toBe('meeting');
    expect(next.snapshot.context.data.review).toMatchObject({ decision: 'approve', opinion: '同意', by: 'u-reviewer' });
  });
  it('return and reject need a reason', () => {
    const { t, snap } = atReview();
    const e = refuses(snap, event('RETURN', reviewer, t.next(), {}), 'FORM_INVALID');
    expect(e.issues[0]!.pointer).toBe('/reason');
    expect(apply(mini, snap, event('RETURN', reviewer, t.next(), { reason: '预算依据不足' })).snapshot.state).toBe('draft');
    expect(apply(mini, snap, event('REJECT', reviewer, t.next(), { reason: '不符合规定' })).snapshot).toMatchObject({ state: 'rejected', status: 'done', outcome: 'rejected' });
  });
});

describe('vote (meeting record)', () => {
  function atMeeting() {
    const { t, step } = started();
    return { t, snap: apply(mini, step.snapshot, event('SUBMIT', clerk, t.next(), { subject: '修路灯', budget: 2000 })).snapshot };
  }
  it('passed, failed and no quorum each take their own transition', () => {
    const { t, snap } = atMeeting();
    expect(apply(mini, snap, event('RECORD_VOTE', clerk, t.next(), record(14, 8))).snapshot.state).toBe('notice');
    expect(apply(mini, snap, event('RECORD_VOTE', clerk, t.next(), record(14, 7))).snapshot.state).toBe('rejected');
    const again = apply(mini, snap, event('RECORD_VOTE', clerk, t.next(), record(13, 13)));
    expect(again.snapshot.state).toBe('meeting');
    expect(again.snapshot.context.votes.meeting).toMatchObject({ outcome: 'no_quorum', present: 13 });
  });
  it('keeps the result with the rule applied', () => {
    const { t, snap } = atMeeting();
    const next = apply(mini, snap, event('RECORD_VOTE', clerk, t.next(), { ...record(14, 8), signIn: ['photo:sha256:ab12'] }));
    expect(next.snapshot.context.data.vote).toMatchObject({
      outcome: 'passed',
      quorum: { of: 'all', op: '>=', ratio: '2/3', count: 14, base: 21, met: true },
      pass: { of: 'present', op: '>', ratio: '1/2', count: 8, base: 14, met: true },
      signIn: ['photo:sha256:ab12'],
    });
  });
  it('holds members and eligible to the roster the host supplied, naming the body, the day and both numbers', () => {
    const { t, snap } = atMeeting();
    const roster = { hash: 'a'.repeat(64), members: 21, voting: 20 };
    // 20 voting members, one recused: 19 entitled.
    const next = apply(mini, snap, event('RECORD_VOTE', clerk, t.next(), { ...record(14, 8), eligible: 19, recused: 1, roster }));
    expect(next.snapshot.context.data.vote).toMatchObject({ outcome: 'passed', members: 21, eligible: 19, roster });
    const e = refuses(snap, event('RECORD_VOTE', clerk, t.next(), { ...record(14, 8, 25), roster }), 'ROSTER_MISMATCH', /roster on \d{4}-\d{2}-\d{2} has 21 members; the record says 25/);
    expect(e.issues.map((i) => i.pointer)).toEqual(['/members', '/eligible']);
    refuses(snap, event('RECORD_VOTE', clerk, t.next(), { ...record(14, 8), eligible: 21, roster }), 'ROSTER_MISMATCH', /20 voting members and 0 recused, so 20 eligible; the record says 21/);
    refuses(snap, event('RECORD_VOTE', clerk, t.next(), { ...record(14, 8), eligible: 0, recused: 21, roster }), 'ROSTER_MISMATCH', /20 voting members; the record says 21 recused/);
    refuses(snap, event('RECORD_VOTE', clerk, t.next(), { ...record(14, 8), roster: { hash: 'not-a-hash', members: 21, voting: 21 } }), 'VOTE_INVALID', /roster/);
    // A record made before rosters carries none and is taken as it is.
    expect(apply(mini, snap, event('RECORD_VOTE', clerk, t.next(), record(14, 8))).snapshot.context.data.vote).not.toHaveProperty('roster');
  });
  it('refuses inconsistent numbers, naming the field', () => {
    const { t, snap } = atMeeting();
    const e = refuses(snap, event('RECORD_VOTE', clerk, t.next(), { ...record(14, 8), present: 22 }), 'VOTE_INVALID');
    expect(e.issues.map((i) => i.pointer)).toContain('/present');
    refuses(snap, event('RECORD_VOTE', clerk, t.next(), { members: 21 }), 'VOTE_INVALID', /eligible/);
    refuses(snap, event('RECORD_VOTE', reviewer, t.next(), record(14, 8)), 'ROLE_FORBIDDEN');
    refuses(snap, event('CAST_BALLOT', clerk, t.next(), { choice: 'for' }), 'EVENT_NOT_ALLOWED');
  });
});

describe('disclosure and timers', () => {
  function atNotice() {
    const { t, step } = started();
    let snap = apply(mini, step.snapshot, event('SUBMIT', clerk, t.next(), { subject: '修路灯', budget: 2000 })).snapshot;
    const r = apply(mini, snap, event('RECORD_VOTE', clerk, t.next(), record(14, 8)));
    snap = r.snapshot;
    return { t, snap, effects: r.effects };
  }
  it('publishes only the named data, for the period', () => {
    const { effects } = atNotice();
    const publish = effects.find((e) => e.type === 'disclosure.publish');
    expect(publish).toMatchObject({ state: 'notice', items: { '/proposal/subject': '修路灯' } });
    expect(effects).toContainEqual({ type: 'timer.schedule', timer: 'notice:disclosure', due: (publish as { until: string }).until });
  });
  it('an objection in the period sends the flow back; the disclosure ends', () => {
    const { t, snap } = atNotice();
    const next = apply(mini, snap, event('OBJECT', villager, t.next(), { reason: '预算不公开' }));
    expect(next.snapshot.state).toBe('draft');
    expect(next.snapshot.context.objections).toHaveLength(1);
    expect(next.effects).toContainEqual(expect.objectContaining({ type: 'disclosure.end', state: 'notice' }));
    expect(next.effects).toContainEqual({ type: 'timer.cancel', timer: 'notice:disclosure' });
  });
  it('the period ends by its timer, not before it is due, and only from the system', () => {
    const { t, snap } = atNotice();
    const due = snap.context.timers['notice:disclosure']!.due;
    refuses(snap, event('TIMER', SYSTEM, t.next(), { timer: 'notice:disclosure' }), 'TIMER_INVALID', /not due/);
    refuses(snap, event('TIMER', clerk, due, { timer: 'notice:disclosure' }), 'ROLE_FORBIDDEN');
    refuses(snap, event('TIMER', SYSTEM, due, { timer: 'draft:deadline' }), 'TIMER_INVALID', /not running/);
    const done = apply(mini, snap, event('TIMER', SYSTEM, due, { timer: 'notice:disclosure' }));
    expect(done.snapshot).toMatchObject({ state: 'adopted', status: 'done' });
    expect(done.record.actor).toEqual({ id: 'system', role: 'system' });
    expect(done.effects).toContainEqual({ type: 'instance.done', outcome: 'adopted' });
    refuses(done.snapshot, event('WITHDRAW', clerk, t.next(9999)), 'EVENT_NOT_ALLOWED', /has ended/);
  });
  it('a passed deadline that the flow does not handle flags the step overdue and stays', () => {
    const { step } = started();
    const due = step.snapshot.context.timers['draft:deadline']!.due;
    const next = apply(mini, step.snapshot, event('TIMER', SYSTEM, due, { timer: 'draft:deadline' }));
    expect(next.snapshot.state).toBe('draft');
    expect(next.snapshot.context.overdue.draft).toBe(due);
    expect(next.snapshot.context.timers['draft:deadline']).toBeUndefined();
    expect(openSteps(mini, next.snapshot)[0]).toMatchObject({ state: 'draft', overdue: true, roles: ['clerk'] });
    expect(next.record).toMatchObject({ type: 'TIMER', state: 'draft', payload: { timer: 'draft:deadline' } });
  });
});

describe('chain', () => {
  it('each record links to the one before it', () => {
    const { t, step } = started();
    const next = apply(mini, step.snapshot, event('WITHDRAW', clerk, t.next(), { reason: '改期' }));
    expect(next.record).toMatchObject({ seq: 2, prev: step.record.hash, state: 'withdrawn' });
    expect(next.snapshot).toMatchObject({ seq: 2, hash: next.record.hash, outcome: 'withdrawn' });
  });
});
