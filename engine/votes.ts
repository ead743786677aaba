// Meetings and votes: quorum and pass rules as exact fractions over separate denominators
// (members of the body, those entitled to vote, those present), checked in integers.
import { withKeys } from './immutable.ts';
import type { BallotChoice, FlowIssue, MeetingCounts, RuleCheck, SealedBallot, Text, VoteConfig, VoteResult, VoteRoster, VoteRule } from './types.ts';

export type { MeetingCounts };

const COUNT = { type: 'integer', minimum: 0, maximum: 1_000_000 } as const;
const EVIDENCE = { type: 'array', maxItems: 200, items: { type: 'string', minLength: 1, maxLength: 500 } } as const;
/**
 * The body's roster as the host found it when the meeting was recorded or the vote closed: the
 * content hash of the roster it stored, how many members it has and how many of them vote
 * (probationary party members attend but do not vote). Records made before rosters lack it.
 */
const ROSTER = {
  type: 'object',
  additionalProperties: false,
  required: ['hash', 'members', 'voting'],
  properties: { hash: { type: 'string', pattern: '^[0-9a-f]{64}$' }, members: { ...COUNT, minimum: 1 }, voting: COUNT },
} as const;

export const meetingRecordSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['members', 'eligible', 'present', 'for', 'against', 'abstain', 'recused'],
  properties: {
    members: { ...COUNT, minimum: 1 },
    eligible: COUNT,
    present: COUNT,
    for: COUNT,
    against: COUNT,
    abstain: COUNT,
    recused: COUNT,
    signIn: EVIDENCE,
    attendees: EVIDENCE,
    notes: { type: 'string', maxLength: 5000 },
    roster: ROSTER,
  },
} as const;

export const ballotSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['choice'],
  properties: { choice: { enum: ['for', 'against', 'abstain'] } },
} as const;

export const closeVoteSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['members', 'eligible'],
  properties: { members: { ...COUNT, minimum: 1 }, eligible: COUNT, notes: { type: 'string', maxLength: 5000 }, roster: ROSTER },
} as const;

// Secret ballots (vote.secret). The host draws a random id per ballot; it names the ballot in the
// box and in the closing record, and nothing else: not the voter, not the time, not the order.
const BALLOT_ID = { type: 'string', pattern: '^[0-9a-f]{32}$' } as const;
const CHOICE = { enum: ['for', 'against', 'abstain'] } as const;

/** A secret ballot as the host passes it: the voter's choice and the box id the host drew for it. */
export const secretBallotSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['choice', 'ballot'],
  properties: { choice: CHOICE, ballot: BALLOT_ID },
} as const;

/** Closing a secret vote: the clerk's numbers, and the ballot box the host passes in, sorted by id. */
export const closeSecretVoteSchema = {
  ...closeVoteSchema,
  required: [...closeVoteSchema.required, 'box'],
  properties: {
    ...closeVoteSchema.properties,
    box: {
      type: 'array',
      maxItems: 1_000_000,
      items: { type: 'object', additionalProperties: false, required: ['id', 'choice'], properties: { id: BALLOT_ID, choice: CHOICE } },
    },
  },
} as const;

/**
 * Why a ballot box cannot be counted for `cast` sealed ballots, or null: it must hold exactly one
 * ballot per CAST_BALLOT of the vote, in the order of their ids (so the record keeps no order of
 * casting), each id once.
 */
export function boxProblem(box: readonly SealedBallot[], cast: number): { pointer: string; message: string } | null {
  if (box.length !== cast) return { pointer: '/box', message: `the ballot box holds ${box.length} ballot(s) but ${cast} were cast` };
  for (let i = 1; i < box.length; i++) {
    if (!(box[i - 1]!.id < box[i]!.id)) return { pointer: `/box/${i}/id`, message: 'ballots must be in ascending order of their ids, each id once' };
  }
  return null;
}

export function parseRatio(ratio: string): [number, number] {
  const [n, d] = ratio.split('/').map(Number) as [number, number];
  return [n, d];
}

/** Rules come from a compiled flow, so the same few ratio strings are parsed on every vote. */
const ratios = new Map<string, readonly [number, number]>();
function ratioOf(ratio: string): readonly [number, number] {
  let r = ratios.get(ratio);
  if (!r) {
    if (ratios.size >= 1000) ratios.clear();
    r = parseRatio(ratio);
    ratios.set(ratio, r);
  }
  return r;
}

/** Why a rule cannot be used, or null. */
export function ruleProblem(rule: VoteRule, role: 'quorum' | 'pass'): string | null {
  const [n, d] = parseRatio(rule.ratio);
  if (n > d) return `ratio ${rule.ratio} is more than the whole`;
  if (rule.op === '>' && n === d) return `"> ${rule.ratio}" can never be met`;
  if (role === 'quorum' && rule.of === 'present') return 'a quorum counts those present against "all" or "entitled", not "present"';
  return null;
}

/** Consistency of a meeting's numbers: each problem names the field it is about. */
export function countProblems(c: MeetingCounts): FlowIssue[] {
  const out: FlowIssue[] = [];
  if (c.eligible + c.recused > c.members) {
    out.push({ pointer: '/eligible', message: `eligible (${c.eligible}) + recused (${c.recused}) exceeds members (${c.members})`, code: 'eligibleExceedsMembers', params: { eligible: c.eligible, recused: c.recused, members: c.members } });
  }
  if (c.present > c.eligible) {
    out.push({ pointer: '/present', message: `present (${c.present}) exceeds eligible (${c.eligible})`, code: 'presentExceedsEligible', params: { present: c.present, eligible: c.eligible } });
  }
  const cast = c.for + c.against + c.abstain;
  if (cast > c.present) {
    out.push({ pointer: '/for', message: `for + against + abstain (${cast}) exceeds present (${c.present})`, code: 'castExceedsPresent', params: { cast, present: c.present } });
  }
  return out;
}

/**
 * Where a meeting's numbers differ from the body's roster (the record's `roster`): members must be
 * the roster's members, and eligible its voting members less those recused. Each problem names the
 * field, what the roster says and what the record says; the body's name (`body` in Chinese, `bodyEn`)
 * and `day` say which roster.
 */
export function rosterProblems(c: Pick<MeetingCounts, 'members' | 'eligible' | 'recused'>, roster: VoteRoster, name: Text, day: string): FlowIssue[] {
  const out: FlowIssue[] = [];
  // The body by its Chinese name in the message (for logs and API readers), and in both languages as a figure.
  const body = name.zh;
  const bodyEn = name.en || name.zh;
  if (c.members !== roster.members) {
    out.push({ pointer: '/members', message: `${body} roster on ${day} has ${roster.members} members; the record says ${c.members}`, code: 'rosterMembers', params: { body, bodyEn, day, roster: roster.members, record: c.members } });
  }
  if (c.recused > roster.voting) {
    out.push({ pointer: '/recused', message: `${body} roster on ${day} has ${roster.voting} voting members; the record says ${c.recused} recused`, code: 'rosterRecused', params: { body, bodyEn, day, voting: roster.voting, record: c.recused } });
  } else if (c.eligible !== roster.voting - c.recused) {
    out.push({
      pointer: '/eligible',
      message: `${body} roster on ${day} has ${roster.voting} voting members and ${c.recused} recused, so ${roster.voting - c.recused} eligible; the record says ${c.eligible}`,
      code: 'rosterEligible',
      params: { body, bodyEn, day, voting: roster.voting, recused: c.recused, eligible: roster.voting - c.recused, record: c.eligible },
    });
  }
  return out;
}

function baseOf(rule: VoteRule, c: MeetingCounts): number {
  return rule.of === 'all' ? c.members : rule.of === 'entitled' ? c.eligible : c.present;
}

export function checkRule(rule: VoteRule, count: number, c: MeetingCounts): RuleCheck {
  const [n, d] = ratioOf(rule.ratio);
  const base = baseOf(rule, c);
  // count/base op n/d  ⇔  count·d op n·base (base ≥ 0); a zero base never meets a rule.
  const met = base > 0 && (rule.op === '>=' ? count * d >= n * base : count * d > n * base);
  return withKeys(rule, { count, base, met });
}

export function decide(
  vote: VoteConfig,
  c: MeetingCounts,
  extra: Pick<VoteResult, 'at' | 'by'> & Partial<Pick<VoteResult, 'signIn' | 'attendees' | 'notes' | 'roster'>>,
): VoteResult {
  const quorum = vote.quorum ? checkRule(vote.quorum, c.present, c) : null;
  const pass = checkRule(vote.pass, c.for, c);
  const outcome = quorum && !quorum.met ? 'no_quorum' : pass.met ? 'passed' : 'failed';
  const result = { mode: vote.mode, ...c, outcome, quorum, pass } as VoteResult & Record<string, unknown>;
  // Absent evidence stays absent: the result is stored as JSON, where undefined has no place.
  for (const key of Object.keys(extra)) {
    const v = extra[key as keyof typeof extra];
    if (v !== undefined) result[key] = v;
  }
  return result;
}

/** The counts of an open vote's ballots (by voter), or of a secret vote's ballot box. */
export function tallyBallots(choices: Iterable<BallotChoice>): Pick<MeetingCounts, 'present' | 'for' | 'against' | 'abstain'> {
  const t = { present: 0, for: 0, against: 0, abstain: 0 };
  for (const choice of choices) {
    t.present++;
    t[choice]++;
  }
  return t;
}
