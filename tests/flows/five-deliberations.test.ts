// 五议两公开 as a committee would run it, with the form types generated from the flow.
import { describe, expect, it } from 'vitest';
import { apply, start, EngineError, type InstanceSnapshot } from '../../engine/index.ts';
import type { FiveDeliberationsTwoDisclosuresProposalForm, FiveDeliberationsTwoDisclosuresData } from '../../flows/types/five-deliberations-two-disclosures.ts';
import { actor, clock, event, loadCompiled } from '../helpers.ts';

const flow = loadCompiled('flows/five-deliberations-two-disclosures.flow.json');
const secretary = actor('u-secretary', 'party_secretary', 'committee_member');
const clerk = actor('u-clerk', 'clerk');
const member = (n: number) => actor(`u-party-${n}`, 'party_member');

const proposal: FiveDeliberationsTwoDisclosuresProposalForm = {
  source: 'suggestion',
  subject: '硬化三组至五组村道',
  category: 'public_welfare',
  content: '村道 1.2 公里水泥硬化，宽 4.5 米，由村集体组织施工。',
  budget: 360000,
  branch_meeting_date: '2026-03-01',
  branch_minutes: '支委会 5 人全部出席，一致同意提交两委商议。',
};

function toPartyMeeting() {
  const t = clock();
  let snap = start(flow, event('START', secretary, t.next())).snapshot;
  snap = apply(flow, snap, event('SUBMIT', secretary, t.next(), { ...proposal })).snapshot;
  snap = apply(flow, snap, event('RECORD_VOTE', clerk, t.next(), { members: 7, eligible: 7, present: 6, for: 5, against: 1, abstain: 0, recused: 0 })).snapshot;
  expect(snap.state).toBe('party_members_meeting');
  return { t, snap };
}

describe('五议两公开', () => {
  it('stores the typed proposal as instance data', () => {
    const { snap } = toPartyMeeting();
    const data = snap.context.data as FiveDeliberationsTwoDisclosuresData;
    expect(data.proposal).toEqual(proposal);
  });

  it('party members vote one ballot each, changeable until the clerk closes the vote', () => {
    const { t, snap: atMeeting } = toPartyMeeting();
    let snap = atMeeting;
    for (let n = 1; n <= 6; n++) snap = apply(flow, snap, event('CAST_BALLOT', member(n), t.next(), { choice: 'for' })).snapshot;
    // Member 6 changes her mind: still six ballots, five for.
    snap = apply(flow, snap, event('CAST_BALLOT', member(6), t.next(), { choice: 'against' })).snapshot;
    expect(Object.keys(snap.context.ballots)).toHaveLength(6);
    expect(() => apply(flow, snap, event('CAST_BALLOT', clerk, t.next(), { choice: 'for' }))).toThrow(/party_member/);
    // Ten entitled: five for is not more than half of the entitled.
    const closed = apply(flow, snap, event('CLOSE_VOTE', clerk, t.next(), { members: 10, eligible: 10 }));
    expect(closed.snapshot.context.votes.party_members_meeting).toMatchObject({ present: 6, for: 5, against: 1, outcome: 'failed' });
    expect(closed.snapshot.state).not.toBe('representatives_meeting');
    // Nine entitled: five of nine is more than half.
    const passed = apply(flow, snap, event('CLOSE_VOTE', clerk, t.next(), { members: 9, eligible: 9 }));
    expect(passed.snapshot.state).toBe('representatives_meeting');
  });

  it('closing with more ballots than entitled voters is refused', () => {
    const { t, snap: atMeeting } = toPartyMeeting();
    let snap = atMeeting;
    for (let n = 1; n <= 4; n++) snap = apply(flow, snap, event('CAST_BALLOT', member(n), t.next(), { choice: 'for' })).snapshot;
    expect(() => apply(flow, snap, event('CLOSE_VOTE', clerk, t.next(), { members: 3, eligible: 3 }))).toThrow(EngineError);
  });

  it('the representatives meeting needs two thirds of all members present', () => {
    const { t, snap: atMeeting } = toPartyMeeting();
    let snap: InstanceSnapshot = atMeeting;
    for (let n = 1; n <= 6; n++) snap = apply(flow, snap, event('CAST_BALLOT', member(n), t.next(), { choice: 'for' })).snapshot;
    snap = apply(flow, snap, event('CLOSE_VOTE', clerk, t.next(), { members: 9, eligible: 9 })).snapshot;
    const meeting = (present: number, yes: number) => ({ members: 30, eligible: 30, present, for: yes, against: present - yes, abstain: 0, recused: 0 });
    expect(apply(flow, snap, event('RECORD_VOTE', clerk, t.next(), meeting(20, 11))).snapshot.state).toBe('township_review');
    expect(apply(flow, snap, event('RECORD_VOTE', clerk, t.next(), meeting(19, 19))).snapshot.state).toBe('representatives_meeting');
    expect(apply(flow, snap, event('RECORD_VOTE', clerk, t.next(), meeting(20, 10))).snapshot.state).toBe('rejected');
  });
});
