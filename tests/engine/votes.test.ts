// Quorum and pass rules at and around their thresholds, in integers over separate denominators.
import { describe, expect, it } from 'vitest';
import { checkRule, countProblems, decide } from '../../engine/index.ts';
import type { VoteConfig } from '../../engine/index.ts';

const counts = (c: Partial<Record<'members' | 'eligible' | 'present' | 'for' | 'against' | 'abstain' | 'recused', number>>) => ({
  members: 21, eligible: 21, present: 21, for: 0, against: 0, abstain: 0, recused: 0, ...c,
});
const meta = { at: '2026-03-01T00:00:00.000Z', by: 'clerk' };

// 村民代表会议: quorum ≥ 2/3 of all members, decision > 1/2 of those present (old Art. 26).
const representatives: VoteConfig = {
  body: { zh: '村民代表会议' },
  electorate: 'villager_representative',
  mode: 'record',
  quorum: { of: 'all', op: '>=', ratio: '2/3' },
  pass: { of: 'present', op: '>', ratio: '1/2' },
};
// 党员大会: quorum > 1/2 of entitled voters, decision > 1/2 of entitled voters (Art. 11).
const partyMembers: VoteConfig = {
  body: { zh: '党员大会' },
  electorate: 'party_member',
  mode: 'ballot',
  quorum: { of: 'entitled', op: '>', ratio: '1/2' },
  pass: { of: 'entitled', op: '>', ratio: '1/2' },
};

describe('"≥ 2/3 of all" quorum', () => {
  const rule = representatives.quorum!;
  it('is met by exactly two thirds present', () => {
    expect(checkRule(rule, 14, counts({ members: 21 })).met).toBe(true);
  });
  it('fails with one fewer', () => {
    expect(checkRule(rule, 13, counts({ members: 21 })).met).toBe(false);
  });
  it('rounds up when two thirds is not whole (20 members need 14)', () => {
    expect(checkRule(rule, 14, counts({ members: 20 })).met).toBe(true);
    expect(checkRule(rule, 13, counts({ members: 20 })).met).toBe(false);
  });
  it('reports the numbers it compared', () => {
    expect(checkRule(rule, 14, counts({ members: 21 }))).toEqual({ of: 'all', op: '>=', ratio: '2/3', count: 14, base: 21, met: true });
  });
});

describe('"> 1/2" decision', () => {
  const rule = representatives.pass;
  it('fails at exactly half of those present', () => {
    expect(checkRule(rule, 7, counts({ present: 14 })).met).toBe(false);
  });
  it('passes with one more than half', () => {
    expect(checkRule(rule, 8, counts({ present: 14 })).met).toBe(true);
  });
  it('with an odd number present, passes at the smallest majority only', () => {
    expect(checkRule(rule, 8, counts({ present: 15 })).met).toBe(true);
    expect(checkRule(rule, 7, counts({ present: 15 })).met).toBe(false);
  });
  it('never passes when nobody is present', () => {
    expect(checkRule(rule, 0, counts({ present: 0 })).met).toBe(false);
  });
});

describe('"> 1/2 of entitled" (party members) counts against those entitled, not those present', () => {
  it('16 of 30 entitled passes even if only 16 came', () => {
    const r = decide(partyMembers, counts({ members: 30, eligible: 30, present: 16, for: 16 }), meta);
    expect(r.outcome).toBe('passed');
  });
  it('15 of 30 entitled fails, although it is a majority of the 16 present', () => {
    const r = decide(partyMembers, counts({ members: 30, eligible: 30, present: 16, for: 15, against: 1 }), meta);
    expect(r.outcome).toBe('failed');
    expect(r.pass).toMatchObject({ count: 15, base: 30, met: false });
  });
  it('exactly half of the entitled present is no quorum', () => {
    expect(decide(partyMembers, counts({ members: 30, eligible: 30, present: 15, for: 15 }), meta).outcome).toBe('no_quorum');
  });
});

describe('"≥ 4/5" (elections) and "all members" denominators', () => {
  it('≥ 4/5 of entitled: 40 of 50 met, 39 not', () => {
    const rule = { of: 'entitled', op: '>=', ratio: '4/5' } as const;
    expect(checkRule(rule, 40, counts({ members: 50, eligible: 50 })).met).toBe(true);
    expect(checkRule(rule, 39, counts({ members: 50, eligible: 50 })).met).toBe(false);
  });
  it('> 1/2 of all members ignores who is present', () => {
    const rule = { of: 'all', op: '>', ratio: '1/2' } as const;
    expect(checkRule(rule, 11, counts({ members: 21, present: 11 })).met).toBe(true);
    expect(checkRule(rule, 10, counts({ members: 21, present: 10 })).met).toBe(false);
  });
  it('recused members are outside the entitled base', () => {
    const rule = { of: 'entitled', op: '>', ratio: '1/2' } as const;
    // 21 members, 2 recused: 19 entitled; 10 of 19 is a majority, 9 is not.
    expect(checkRule(rule, 10, counts({ members: 21, eligible: 19, recused: 2 })).met).toBe(true);
    expect(checkRule(rule, 9, counts({ members: 21, eligible: 19, recused: 2 })).met).toBe(false);
  });
});

describe('outcome', () => {
  it('no quorum wins over the tally', () => {
    const r = decide(representatives, counts({ present: 13, for: 13 }), meta);
    expect(r.outcome).toBe('no_quorum');
    expect(r.quorum).toMatchObject({ count: 13, base: 21, met: false });
  });
  it('quorum met and majority: passed; quorum met without majority: failed', () => {
    expect(decide(representatives, counts({ present: 14, for: 8, against: 6 }), meta).outcome).toBe('passed');
    expect(decide(representatives, counts({ present: 14, for: 7, against: 7 }), meta).outcome).toBe('failed');
  });
  it('a vote without a quorum rule is decided by the pass rule alone', () => {
    const noQuorum = { ...representatives, quorum: undefined };
    expect(decide(noQuorum, counts({ present: 3, for: 2 }), meta)).toMatchObject({ outcome: 'passed', quorum: null });
  });
});

describe('meeting record consistency', () => {
  it('accepts a consistent record', () => {
    expect(countProblems(counts({ members: 21, eligible: 20, recused: 1, present: 15, for: 9, against: 4, abstain: 2 }))).toEqual([]);
  });
  it('names each contradiction by its field', () => {
    expect(countProblems(counts({ members: 21, eligible: 21, recused: 1 }))).toContainEqual(expect.objectContaining({ pointer: '/eligible' }));
    expect(countProblems(counts({ eligible: 20, present: 21 }))).toContainEqual(expect.objectContaining({ pointer: '/present' }));
    expect(countProblems(counts({ present: 10, for: 6, against: 3, abstain: 2 }))).toContainEqual(expect.objectContaining({ pointer: '/for' }));
  });
});
