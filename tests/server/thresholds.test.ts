// Vote rules stay exact with roster-supplied denominators (issue 18 item 5): for every vote step
// of every bundled flow, over HTTP, the clerk sends only who came and how they voted; the server
// supplies members and eligible from the body's roster on the day. Each rule is tried at its
// threshold (met) and one below (not met), on both sides of an even base where the rule is
// "more than half", so that exactly half is seen to fail and exactly two thirds to pass.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VoteConfig, VoteRule } from '../../engine/index.ts';
import { startTestServer, type Client, type TestServer } from './harness.ts';
import { flowOf, meetings, ROOT } from './meetings.ts';

const FLOWS = readdirSync(join(ROOT, 'flows')).filter((f) => f.endsWith('.flow.json')).sort();

/** The least count that meets `rule` over `base` (count/base op n/d), from the rule's words, not the engine's code. */
function least(rule: VoteRule, base: number): number {
  const [n, d] = rule.ratio.split('/').map(Number) as [number, number];
  return rule.op === '>=' ? Math.ceil((n * base) / d) : Math.floor((n * base) / d) + 1;
}

interface Case {
  flow: string;
  state: string;
  name: string;
  /** How many of the voting members come (record) or cast (ballot), and how many of them vote for. */
  present: number;
  yes: number;
  outcome: 'passed' | 'failed' | 'no_quorum';
}

// The rosters the demo township gives 东坪村 (server/host/seed.ts), and the one probationary Party member
// this test adds, so that the Party's voting members are an even ten.
const ROSTER: Record<string, { members: number; voting: number }> = {
  committee_member: { members: 7, voting: 7 },
  party_member: { members: 11, voting: 10 },
  villager_representative: { members: 33, voting: 33 },
  villager: { members: 1268, voting: 1268 },
};

/** The cases of one vote step: its quorum at and below the threshold, then its pass rule at and below, over an odd and an even base. */
function casesOf(flow: string, state: string, vote: VoteConfig): Case[] {
  const r = ROSTER[vote.electorate]!;
  const base = (of: VoteRule['of'], present: number) => (of === 'all' ? r.members : of === 'entitled' ? r.voting : present);
  const out: Case[] = [];
  if (vote.quorum) {
    const q = least(vote.quorum, base(vote.quorum.of, 0));
    // All who come vote for: the pass rule is met whenever the quorum is (every bundled rule).
    out.push({ flow, state, name: `quorum ${vote.quorum.op} ${vote.quorum.ratio} of ${vote.quorum.of}: ${q} present`, present: q, yes: q, outcome: 'passed' });
    out.push({ flow, state, name: `quorum ${vote.quorum.op} ${vote.quorum.ratio} of ${vote.quorum.of}: ${q - 1} present`, present: q - 1, yes: q - 1, outcome: 'no_quorum' });
  }
  // Everyone who votes comes, or all but one: one of the two bases is even.
  for (const present of [r.voting, r.voting - 1]) {
    const p = least(vote.pass, base(vote.pass.of, present));
    if (vote.quorum && present < least(vote.quorum, base(vote.quorum.of, present))) continue;
    out.push({ flow, state, name: `pass ${vote.pass.op} ${vote.pass.ratio} of ${vote.pass.of}, ${present} present: ${p} for`, present, yes: p, outcome: 'passed' });
    out.push({ flow, state, name: `pass ${vote.pass.op} ${vote.pass.ratio} of ${vote.pass.of}, ${present} present: ${p - 1} for`, present, yes: p - 1, outcome: 'failed' });
  }
  return out;
}

const CASES = FLOWS.flatMap((file) => {
  const flow = flowOf(file);
  return Object.entries(flow.states).flatMap(([state, config]) => (config.vote ? casesOf(file, state, config.vote) : []));
});

let s: TestServer;
const VILLAGE = 'dongping';
const as = (username: string): Promise<Client> => s.person(username);
let vote: ReturnType<typeof meetings>['vote'];
let reach: ReturnType<typeof meetings>['reach'];

beforeAll(async () => {
  s = await startTestServer();
  const admin = await as('qs.admin');
  await admin.rosters.setProbationary.mutate({ userId: 'dongping-party9', villageId: VILLAGE, role: 'party_member', probationary: true });
  const { bodies } = await admin.rosters.bodies.query({ villageId: VILLAGE });
  const party = bodies.find((b) => b.role === 'party_member')!;
  const voters = party.members.filter((m) => !m.probationary && !m.deactivated).map((m) => m.userId.replace('-', '.'));
  expect(voters).toHaveLength(ROSTER.party_member!.voting);
  ({ vote, reach } = meetings(s, VILLAGE, voters, (electorate) => ROSTER[electorate]!.voting));
  for (const [role, r] of Object.entries(ROSTER)) expect(bodies.find((b) => b.role === role)?.roster, role).toMatchObject(r);
}, 120_000);
afterAll(() => s?.close());

describe('every vote rule of the bundled flows, at its threshold and one below, with the roster’s denominators', () => {
  it('covers every vote step of every bundled flow', () => {
    const steps = new Set(CASES.map((c) => `${c.flow}#${c.state}`));
    const all = FLOWS.flatMap((f) => Object.entries(flowOf(f).states).filter(([, c]) => c.vote).map(([state]) => `${f}#${state}`));
    expect([...steps].sort()).toEqual(all.sort());
    expect(all.length).toBeGreaterThan(0);
  });

  it('tries exactly two thirds of the representatives, and exactly half of those present and of the Party’s voting members', () => {
    const reps = CASES.filter((c) => c.state === 'representatives_meeting' && c.name.startsWith('quorum'));
    expect(reps.map((c) => [c.present, c.outcome])).toContainEqual([22, 'passed']);
    expect(reps.map((c) => [c.present, c.outcome])).toContainEqual([21, 'no_quorum']);
    expect(CASES.filter((c) => c.state === 'two_committees').map((c) => [c.present, c.yes, c.outcome])).toContainEqual([6, 3, 'failed']);
    expect(CASES.filter((c) => c.state === 'party_members_meeting').map((c) => [c.present, c.yes, c.outcome])).toContainEqual([10, 5, 'failed']);
    expect(CASES.filter((c) => c.state === 'party_members_meeting').map((c) => [c.present, c.outcome])).toContainEqual([5, 'no_quorum']);
  });

  it.each(CASES)('$flow $state: $name → $outcome', async ({ flow, state, present, yes, outcome }) => {
    const config = flowOf(flow).states[state]!.vote!;
    const { id, seq } = await reach(flow, state);
    await vote(id, seq, config, present, yes);
    const { votes } = await (await as('qs.auditor')).instances.get.query({ id });
    const result = (votes as Record<string, Record<string, unknown>>)[state]!;
    const r = ROSTER[config.electorate]!;
    expect(result).toMatchObject({ outcome, members: r.members, eligible: r.voting, present, for: yes, roster: { members: r.members, voting: r.voting } });
  }, 60_000);
});
