// Legal checks of a flow (engine/legal.ts): each rule at, just under and just over its threshold;
// structure warnings not said twice; the bundled flows pass clean.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { atLeastAsStrict, legalChecks, ruleWords, validateFlow, type Flow, type VoteRule } from '../../engine/index.ts';

const load = (path: string) => JSON.parse(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')) as Flow;

/** A valid flow with one vote; the vote's electorate and rules are the test's. */
function voteFlow(electorate: string, quorum: VoteRule | undefined, pass: VoteRule): Flow {
  return {
    id: 'legal',
    version: '1.0.0',
    title: { zh: '法' },
    roles: { clerk: { zh: '记录员' }, villager_representative: { zh: '村民代表' }, villager: { zh: '村民' }, party_member: { zh: '党员' }, committee_member: { zh: '两委' } },
    starters: ['clerk'],
    data: { type: 'object' },
    initial: 'meeting',
    states: {
      meeting: {
        kind: 'vote',
        title: { zh: '会议' },
        roles: ['clerk'],
        vote: { body: { zh: '会议' }, electorate, mode: 'record', ...(quorum ? { quorum } : {}), pass },
        on: { 'VOTE.PASSED': 'done', 'VOTE.FAILED': 'done', ...(quorum ? { 'VOTE.NO_QUORUM': 'meeting' } : {}) },
      },
      done: { kind: 'final', type: 'final', title: { zh: '完' }, outcome: 'closed' },
    },
  };
}
const rule = (of: VoteRule['of'], op: VoteRule['op'], ratio: string): VoteRule => ({ of, op, ratio });
const PASS_OK = rule('present', '>', '1/2');
const rules = (f: Flow) => legalChecks(f).map((i) => `${i.rule}:${i.level}`);

describe('atLeastAsStrict', () => {
  it('compares fractions in integers, the operator at equal fractions, and the denominators', () => {
    const min = rule('all', '>=', '2/3');
    expect(atLeastAsStrict(rule('all', '>=', '2/3'), min)).toBe(true);
    expect(atLeastAsStrict(rule('all', '>', '2/3'), min)).toBe(true);
    expect(atLeastAsStrict(rule('all', '>=', '4/6'), min)).toBe(true);
    expect(atLeastAsStrict(rule('all', '>=', '667/1000'), min)).toBe(true);
    expect(atLeastAsStrict(rule('all', '>=', '666/1000'), min)).toBe(false);
    expect(atLeastAsStrict(rule('all', '>', '1/2'), min)).toBe(false);
    expect(atLeastAsStrict(rule('entitled', '>=', '2/3'), min)).toBe(false); // fewer people than all
    expect(atLeastAsStrict(rule('present', '>=', '1/2'), rule('present', '>', '1/2'))).toBe(false);
    expect(atLeastAsStrict(rule('all', '>', '1/2'), rule('present', '>', '1/2'))).toBe(true);
  });
  it('says rules in words', () => {
    expect(ruleWords(rule('present', '>', '1/2'))).toEqual({ zh: '到会人数过半数', en: 'more than 1/2 of those present' });
    expect(ruleWords(rule('all', '>=', '2/3')).zh).toBe('全体成员的2/3以上');
  });
});

describe('legal checks', () => {
  it('pass the bundled flows without a word', () => {
    for (const path of ['flows/five-deliberations-two-disclosures.flow.json', 'flows/four-deliberations-two-disclosures.flow.json']) {
      const flow = load(path);
      expect(validateFlow(flow)).toEqual([]);
      expect(legalChecks(flow), path).toEqual([]);
    }
  });

  it('refuse a representatives meeting with a quorum under "at least 2/3 of all"', () => {
    const rep = (q: VoteRule | undefined) => rules(voteFlow('villager_representative', q, PASS_OK));
    expect(rep(rule('all', '>=', '2/3'))).toEqual([]);
    expect(rep(rule('all', '>', '2/3'))).toEqual([]);
    expect(rep(rule('all', '>=', '3/4'))).toEqual([]);
    expect(rep(rule('all', '>=', '3/5'))).toEqual(['representative-quorum:statutory']);
    expect(rep(rule('all', '>', '1/2'))).toEqual(['representative-quorum:statutory']);
    expect(rep(rule('entitled', '>=', '2/3'))).toEqual(['representative-quorum:statutory']);
    expect(rep(undefined)).toEqual(['representative-quorum:statutory']);
    const issue = legalChecks(voteFlow('villager_representative', rule('all', '>', '1/2'), PASS_OK))[0]!;
    expect(issue.pointer).toBe('/states/meeting/vote/quorum');
    expect(issue.message.zh).toContain('三分之二');
    expect(issue.message.en).toContain('2/3');
  });

  it('refuse a villagers\' body deciding by less than "more than half of those present"', () => {
    const q = rule('all', '>=', '2/3');
    const rep = (p: VoteRule) => rules(voteFlow('villager_representative', q, p));
    expect(rep(rule('present', '>', '1/2'))).toEqual([]);
    expect(rep(rule('present', '>=', '2/3'))).toEqual([]);
    expect(rep(rule('all', '>', '1/2'))).toEqual([]); // stricter: all ≥ present
    expect(rep(rule('present', '>=', '1/2'))).toEqual(['villager-pass:statutory']);
    expect(rep(rule('present', '>', '2/5'))).toEqual(['villager-pass:statutory']);
    expect(rep(rule('all', '>=', '1/2'))).toEqual(['villager-pass:statutory']);
    // The villagers' meeting too, with its own quorum warning.
    expect(rules(voteFlow('villager', rule('all', '>', '1/2'), rule('present', '>=', '1/2')))).toEqual(['villager-pass:statutory']);
    expect(rules(voteFlow('villager', rule('all', '>=', '1/2'), PASS_OK))).toEqual(['villager-quorum:warning']);
    // Other bodies are not villagers' bodies.
    expect(rules(voteFlow('committee_member', rule('all', '>', '1/2'), rule('present', '>=', '1/3')))).toEqual([]);
  });

  it('warn when a Party members\' meeting does not count the entitled', () => {
    const ent = rule('entitled', '>', '1/2');
    expect(rules(voteFlow('party_member', ent, ent))).toEqual([]);
    expect(rules(voteFlow('party_member', rule('entitled', '>=', '2/3'), rule('all', '>', '1/2')))).toEqual([]);
    expect(rules(voteFlow('party_member', ent, rule('present', '>', '1/2')))).toEqual(['party-pass:warning']);
    expect(rules(voteFlow('party_member', ent, rule('entitled', '>=', '1/2')))).toEqual(['party-pass:warning']);
    expect(rules(voteFlow('party_member', undefined, ent))).toEqual(['party-quorum:warning']);
    expect(rules(voteFlow('party_member', rule('entitled', '>=', '1/2'), ent))).toEqual(['party-quorum:warning']);
  });

  it('warn about a notice period under one day', () => {
    const flow = (duration: string): Flow => ({
      ...voteFlow('committee_member', undefined, PASS_OK),
      initial: 'notice',
      states: {
        notice: { kind: 'disclosure', title: { zh: '公示' }, roles: ['clerk'], disclosure: { publish: ['/x'], period: { duration } }, on: { 'DISCLOSURE.ENDED': 'done' } },
        done: { kind: 'final', type: 'final', title: { zh: '完' }, outcome: 'closed' },
      },
    });
    expect(rules(flow('P1D'))).toEqual([]);
    expect(rules(flow('PT24H'))).toEqual([]);
    expect(rules(flow('P7D'))).toEqual([]);
    expect(rules(flow('PT23H59M'))).toEqual(['disclosure-period:warning']);
    expect(rules(flow('PT1H'))).toEqual(['disclosure-period:warning']);
    expect(legalChecks(flow('PT1H'))[0]!.pointer).toBe('/states/notice/disclosure/period/duration');
  });

  it('warn about unreachable steps and dead ends, but not where the validator already reported them', () => {
    const f = voteFlow('committee_member', undefined, PASS_OK);
    const broken: Flow = {
      ...f,
      states: {
        ...f.states,
        stuck: { kind: 'task', title: { zh: '卡' }, roles: ['clerk'], on: {} },
        island: { kind: 'task', title: { zh: '孤' }, roles: ['clerk'], on: { SUBMIT: 'done' } },
        meeting: { ...f.states.meeting!, on: { 'VOTE.PASSED': 'done', 'VOTE.FAILED': 'stuck' } },
      },
    };
    const found = legalChecks(broken).map((i) => [i.pointer, i.rule, i.level]);
    expect(found).toEqual([
      ['/states/stuck', 'no-way-out', 'warning'],
      ['/states/island', 'unreachable', 'warning'],
    ]);
    // The validator refuses both as errors: given its issues, nothing is said twice.
    const errors = validateFlow(broken);
    expect(errors.map((e) => e.pointer)).toEqual(expect.arrayContaining(['/states/stuck', '/states/island']));
    expect(legalChecks(broken, errors)).toEqual([]);
  });

  it('cope with a flow still being edited', () => {
    expect(legalChecks(null)).toEqual([]);
    expect(legalChecks({})).toEqual([]);
    expect(legalChecks({ initial: 'a', states: { a: { kind: 'vote', vote: { electorate: 'villager_representative', pass: { of: 'x' } } } } })).toEqual([
      expect.objectContaining({ rule: 'representative-quorum', level: 'statutory' }),
      expect.objectContaining({ rule: 'no-way-out' }),
    ]);
  });
});
