// Secret ballots (vote.secret): the history says who cast a ballot, never how; the tally comes from
// the host's ballot box, which the closing record carries and verify re-counts.
import { describe, expect, it } from 'vitest';
import { apply, compileFlow, EngineError, hashJson, replay, start, validateFlow, verify, type HistoryRecord, type InstanceSnapshot, type SealedBallot, type StepResult } from '../../engine/index.ts';
import { actor, clock, event, readFlowJson, secretFlowJson } from '../helpers.ts';

const flow = compileFlow(secretFlowJson());
const secretary = actor('u-secretary', 'party_secretary', 'committee_member');
const clerk = actor('u-clerk', 'clerk');
const member = (n: number) => actor(`u-party-${n}`, 'party_member');
/** A box id as the host draws it (here, made up from a number). */
const id = (n: number) => n.toString(16).padStart(32, '0');

function toPartyMeeting() {
  const t = clock();
  const steps: StepResult[] = [start(flow, event('START', secretary, t.next()))];
  const send = (e: ReturnType<typeof event>) => {
    const step = apply(flow, steps.at(-1)!.snapshot, e);
    steps.push(step);
    return step;
  };
  send(event('SUBMIT', secretary, t.next(), { source: 'suggestion', subject: '修村道', category: 'public_welfare', content: '村道硬化', budget: 360000, branch_meeting_date: '2026-03-01', branch_minutes: '一致同意' }));
  send(event('RECORD_VOTE', clerk, t.next(), { members: 7, eligible: 7, present: 6, for: 5, against: 1, abstain: 0, recused: 0 }));
  expect(steps.at(-1)!.snapshot.state).toBe('party_members_meeting');
  return { t, steps, send, snap: () => steps.at(-1)!.snapshot };
}

/** Five members cast (ids drawn out of casting order): 1 against, 4 for. Returns the box sorted by id. */
function castFive(m: ReturnType<typeof toPartyMeeting>): SealedBallot[] {
  const drawn = [5, 2, 9, 1, 7];
  const box: SealedBallot[] = [];
  drawn.forEach((d, i) => {
    const choice = i === 0 ? 'against' : 'for';
    const step = m.send(event('CAST_BALLOT', member(i + 1), m.t.next(), { choice, ballot: id(d) }));
    const deposit = step.effects.find((e) => e.type === 'ballot.deposit');
    expect(deposit).toEqual({ type: 'ballot.deposit', state: 'party_members_meeting', ballot: { id: id(d), choice } });
    box.push({ id: id(d), choice });
  });
  return box.sort((a, b) => (a.id < b.id ? -1 : 1));
}

function refuses(snap: InstanceSnapshot, e: ReturnType<typeof event>, code: string, message?: RegExp) {
  try {
    apply(flow, snap, e);
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe(code);
    if (message) expect((error as EngineError).message).toMatch(message);
    return error as EngineError;
  }
  throw new Error(`${e.type} was accepted`);
}

describe('a secret vote in the flow language', () => {
  it('is declared on a ballot-mode vote only', () => {
    const json = readFlowJson('flows/five-deliberations-two-disclosures.flow.json') as { states: Record<string, { vote?: Record<string, unknown> }> };
    json.states.two_committees!.vote!.secret = true;
    expect(validateFlow(json)).toEqual([{ pointer: '/states/two_committees/vote/secret', message: expect.stringContaining('ballot mode') }]);
    expect(validateFlow(secretFlowJson())).toEqual([]);
  });
});

describe('casting a secret ballot', () => {
  it('records that the voter cast a ballot, and hands the choice to the host for the box', () => {
    const m = toPartyMeeting();
    const before = m.snap();
    const at = m.t.next();
    const step = m.send(event('CAST_BALLOT', member(1), at, { choice: 'against', ballot: id(3) }));
    expect(step.record.payload).toEqual({});
    expect(step.record.actor.id).toBe('u-party-1');
    expect(step.snapshot.context.ballots).toEqual({ 'u-party-1': 'sealed' });
    // Record and snapshot are the same whatever the choice and box id: nothing in them depends on either.
    const other = apply(flow, before, event('CAST_BALLOT', member(1), at, { choice: 'for', ballot: id(4) }));
    expect(other.record).toEqual(step.record);
    expect(other.snapshot).toEqual(step.snapshot);
    expect(step.effects).toEqual([{ type: 'ballot.deposit', state: 'party_members_meeting', ballot: { id: id(3), choice: 'against' } }]);
  });

  it('takes one ballot per member: a second is refused, whatever it says', () => {
    const m = toPartyMeeting();
    m.send(event('CAST_BALLOT', member(1), m.t.next(), { choice: 'for', ballot: id(1) }));
    const again = refuses(m.snap(), event('CAST_BALLOT', member(1), m.t.next(), { choice: 'against', ballot: id(2) }), 'VOTE_INVALID', /already cast a ballot/);
    expect(again.message).not.toMatch(/against|for/);
    refuses(m.snap(), event('CAST_BALLOT', member(1), m.t.next(), {}), 'VOTE_INVALID', /already cast/);
  });

  it('needs a choice and the host’s box id; a bad one is named by field', () => {
    const m = toPartyMeeting();
    expect(refuses(m.snap(), event('CAST_BALLOT', member(1), m.t.next(), { choice: 'for' }), 'VOTE_INVALID').issues).toEqual([{ pointer: '/ballot', message: expect.any(String), code: 'required' }]);
    expect(refuses(m.snap(), event('CAST_BALLOT', member(1), m.t.next(), { choice: 'maybe', ballot: id(1) }), 'VOTE_INVALID').issues[0]!.pointer).toBe('/choice');
    refuses(m.snap(), event('CAST_BALLOT', member(1), m.t.next(), { choice: 'for', ballot: 'ABC' }), 'VOTE_INVALID');
    refuses(m.snap(), event('CAST_BALLOT', clerk, m.t.next(), { choice: 'for', ballot: id(1) }), 'ROLE_FORBIDDEN');
  });
});

describe('closing a secret vote', () => {
  it('counts the box the host passes in, and the record carries it', () => {
    const m = toPartyMeeting();
    const box = castFive(m);
    const closed = m.send(event('CLOSE_VOTE', clerk, m.t.next(), { members: 7, eligible: 7, box }));
    expect(closed.record.payload.box).toEqual(box);
    expect(closed.snapshot.context.votes.party_members_meeting).toMatchObject({ mode: 'ballot', secret: true, present: 5, for: 4, against: 1, abstain: 0, outcome: 'passed' });
    expect(closed.snapshot.state).toBe('representatives_meeting');
    expect(closed.snapshot.context.ballots).toEqual({});
    expect(closed.effects).toContainEqual({ type: 'ballot.empty', state: 'party_members_meeting' });
  });

  it('refuses a box without the ballots cast, with more, out of order or without a box at all', () => {
    const m = toPartyMeeting();
    const box = castFive(m);
    const close = (payload: Record<string, unknown>) => event('CLOSE_VOTE', clerk, m.t.next(), { members: 7, eligible: 7, ...payload });
    expect(refuses(m.snap(), close({ box: box.slice(1) }), 'VOTE_INVALID', /holds 4 ballot\(s\) but 5 were cast/).issues[0]!.pointer).toBe('/box');
    refuses(m.snap(), close({ box: [...box, { id: id(99), choice: 'for' }] }), 'VOTE_INVALID', /holds 6/);
    refuses(m.snap(), close({ box: [...box].reverse() }), 'VOTE_INVALID', /ascending order/);
    refuses(m.snap(), close({ box: [box[0], box[0], box[1], box[2], box[3]] }), 'VOTE_INVALID', /each id once/);
    expect(refuses(m.snap(), close({}), 'VOTE_INVALID').issues[0]!.pointer).toBe('/box');
  });

  it('a vote without a quorum empties the box; the next round counts only its own ballots', () => {
    const m = toPartyMeeting();
    m.send(event('CAST_BALLOT', member(1), m.t.next(), { choice: 'for', ballot: id(1) }));
    const noQuorum = m.send(event('CLOSE_VOTE', clerk, m.t.next(), { members: 7, eligible: 7, box: [{ id: id(1), choice: 'for' }] }));
    expect(noQuorum.snapshot.state).toBe('party_members_meeting');
    expect(noQuorum.snapshot.context.votes.party_members_meeting).toMatchObject({ outcome: 'no_quorum', present: 1 });
    expect(noQuorum.effects).toContainEqual({ type: 'ballot.empty', state: 'party_members_meeting' });
    // Reconvened: member 1 votes again, in a new round, with a new ballot.
    const box: SealedBallot[] = [];
    for (let n = 1; n <= 5; n++) {
      m.send(event('CAST_BALLOT', member(n), m.t.next(), { choice: 'for', ballot: id(10 + n) }));
      box.push({ id: id(10 + n), choice: 'for' });
    }
    refuses(m.snap(), event('CLOSE_VOTE', clerk, m.t.next(), { members: 7, eligible: 7, box: [{ id: id(1), choice: 'for' }, ...box] }), 'VOTE_INVALID', /holds 6 ballot\(s\) but 5 were cast/);
    const passed = m.send(event('CLOSE_VOTE', clerk, m.t.next(), { members: 7, eligible: 7, box }));
    expect(passed.snapshot.state).toBe('representatives_meeting');
    expect(verify(flow, m.steps.map((s) => s.record))).toMatchObject({ ok: true });
  });

  it('leaving the step another way voids the round’s ballots and empties the box', () => {
    const json = secretFlowJson() as { states: Record<string, { on: Record<string, unknown> }>; roles: Record<string, unknown> };
    json.states.party_members_meeting!.on.WITHDRAW = { target: 'withdrawn', roles: ['party_secretary'] };
    const withdrawable = compileFlow(json);
    const t = clock();
    let snap = start(withdrawable, event('START', secretary, t.next())).snapshot;
    snap = apply(withdrawable, snap, event('SUBMIT', secretary, t.next(), { source: 'suggestion', subject: '修村道', category: 'public_welfare', content: '村道硬化', budget: 1, branch_meeting_date: '2026-03-01', branch_minutes: '一致同意' })).snapshot;
    snap = apply(withdrawable, snap, event('RECORD_VOTE', clerk, t.next(), { members: 7, eligible: 7, present: 6, for: 5, against: 1, abstain: 0, recused: 0 })).snapshot;
    snap = apply(withdrawable, snap, event('CAST_BALLOT', member(1), t.next(), { choice: 'against', ballot: id(1) })).snapshot;
    const left = apply(withdrawable, snap, event('WITHDRAW', secretary, t.next()));
    expect(left.snapshot.state).toBe('withdrawn');
    expect(left.effects).toContainEqual({ type: 'ballot.empty', state: 'party_members_meeting' });
  });

  it('an open (not secret) vote takes no box', () => {
    const open = compileFlow(readFlowJson('flows/five-deliberations-two-disclosures.flow.json'));
    const t = clock();
    let snap = start(open, event('START', secretary, t.next())).snapshot;
    snap = apply(open, snap, event('SUBMIT', secretary, t.next(), { source: 'suggestion', subject: '修村道', category: 'public_welfare', content: '村道硬化', budget: 360000, branch_meeting_date: '2026-03-01', branch_minutes: '一致同意' })).snapshot;
    snap = apply(open, snap, event('RECORD_VOTE', clerk, t.next(), { members: 7, eligible: 7, present: 6, for: 5, against: 1, abstain: 0, recused: 0 })).snapshot;
    const cast = apply(open, snap, event('CAST_BALLOT', member(1), t.next(), { choice: 'for' }));
    expect(cast.effects).toEqual([]);
    expect(() => apply(open, cast.snapshot, event('CAST_BALLOT', member(2), t.next(), { choice: 'for', ballot: id(1) }))).toThrow(/unknown key "ballot"/);
    expect(() => apply(open, cast.snapshot, event('CLOSE_VOTE', clerk, t.next(), { members: 7, eligible: 7, box: [] }))).toThrow(/unknown key "box"/);
  });
});

describe('verifying a secret vote', () => {
  function closedHistory(): HistoryRecord[] {
    const m = toPartyMeeting();
    const box = castFive(m);
    m.send(event('CLOSE_VOTE', clerk, m.t.next(), { members: 7, eligible: 7, box }));
    return m.steps.map((s) => s.record);
  }
  function rechain(records: HistoryRecord[], from: number): HistoryRecord[] {
    for (let i = from; i < records.length; i++) {
      const r = records[i]!;
      r.prev = i === 0 ? null : records[i - 1]!.hash;
      const { hash: _old, ...unsigned } = r;
      r.hash = hashJson(unsigned);
    }
    return records;
  }

  it('re-executes from the records alone: sealed casts, the tally from the closing record', () => {
    const history = closedHistory();
    expect(verify(flow, history)).toMatchObject({ ok: true, count: history.length });
    const snaps = replay(flow, history);
    expect(snaps.at(-2)!.context.ballots).toEqual(Object.fromEntries([1, 2, 3, 4, 5].map((n) => [`u-party-${n}`, 'sealed'])));
    expect(snaps.at(-1)!.context.votes.party_members_meeting).toMatchObject({ for: 4, against: 1, secret: true });
  });

  it('names a closing record whose box has lost a ballot, even re-hashed to the end', () => {
    const history = closedHistory();
    const close = history.length - 1;
    (history[close]!.payload.box as SealedBallot[]).shift();
    const result = verify(flow, rechain(history, close));
    expect(result).toMatchObject({ ok: false, seq: close + 1, reason: expect.stringMatching(/holds 4 ballot\(s\) but 5 were cast/) });
  });

  it('names a cast record given a choice afterwards', () => {
    const history = closedHistory();
    const cast = history.findIndex((r) => r.type === 'CAST_BALLOT');
    history[cast]!.payload = { choice: 'for', ballot: id(5) };
    expect(verify(flow, history)).toMatchObject({ ok: false, seq: cast + 1 });
  });
});
