// Legal checks of a flow: what the law and the Party rules say about vote rules and notices,
// beyond what the schema and the validator can know. Pure; robust to a flow still being edited
// (missing or malformed parts are skipped, the validator reports them).
//
// Levels: `statutory` — the flow breaks a statutory rule (Organic Law of Villagers' Committees) and
// must not be published; `warning` — worth a second look (Party rules, unusual notices, structure).
// Sources: shared domain reference, section (b): representative meeting quorum ≥ 2/3 of all members
// (old Art. 26); villagers' bodies decide by more than half of those present (old Arts. 22, 26);
// Party branch meetings count the expected (entitled) voting members (支部工作条例 Art. 11).
import { parseDuration } from './time.ts';
import { escapeToken } from './pointer.ts';
import type { FlowIssue, RuleBase, Text, VoteRule } from './types.ts';

export type LegalLevel = 'warning' | 'statutory';
export type LegalRule =
  | 'representative-quorum'
  | 'villager-quorum'
  | 'villager-pass'
  | 'party-quorum'
  | 'party-pass'
  | 'disclosure-period'
  | 'unreachable'
  | 'no-way-out';

export interface LegalIssue {
  pointer: string;
  /** Which check found it (stable, for tests and for keyed messages). */
  rule: LegalRule;
  level: LegalLevel;
  message: Text & { en: string };
}

/** Denominators from the smallest to the largest: present ≤ entitled ≤ all members. */
const BASE_ORDER: Record<RuleBase, number> = { present: 0, entitled: 1, all: 2 };

function parse(ratio: unknown): [number, number] | null {
  if (typeof ratio !== 'string') return null;
  const m = /^(\d+)\/(\d+)$/.exec(ratio);
  if (!m) return null;
  const n = Number(m[1]);
  const d = Number(m[2]);
  return d > 0 ? [n, d] : null;
}

function isRule(r: unknown): r is VoteRule {
  return !!r && typeof r === 'object' && (r as VoteRule).of in BASE_ORDER && ((r as VoteRule).op === '>=' || (r as VoteRule).op === '>') && parse((r as VoteRule).ratio) !== null;
}

/**
 * Whether rule `r` is at least as demanding as `min` for every meeting: its denominator is at
 * least as large (present ≤ entitled ≤ all) and its fraction at least as large, compared in
 * integers; at an equal fraction "more than" (>) is stricter than "at least" (>=).
 */
export function atLeastAsStrict(r: VoteRule, min: VoteRule): boolean {
  if (!isRule(r) || !isRule(min)) return false;
  if (BASE_ORDER[r.of] < BASE_ORDER[min.of]) return false;
  const [a, b] = parse(r.ratio)!;
  const [c, d] = parse(min.ratio)!;
  const lhs = a * d;
  const rhs = c * b;
  if (lhs !== rhs) return lhs > rhs;
  return r.op === '>' || min.op === '>=';
}

/** A rule in words, both languages: "≥ 2/3 of all members" / "全体成员的2/3以上". */
export function ruleWords(r: VoteRule): Text & { en: string } {
  const zhBase = { all: '全体成员', entitled: '应到（有表决权）人数', present: '到会人数' }[r.of] ?? r.of;
  const enBase = { all: 'all members', entitled: 'the entitled voters', present: 'those present' }[r.of] ?? r.of;
  return {
    zh: r.op === '>' && r.ratio === '1/2' ? `${zhBase}过半数` : `${zhBase}的${r.ratio}${r.op === '>' ? '以上（不含本数）' : '以上'}`,
    en: `${r.op === '>' ? 'more than' : 'at least'} ${r.ratio} of ${enBase}`,
  };
}

const REP_QUORUM: VoteRule = { of: 'all', op: '>=', ratio: '2/3' };
const VILLAGER_QUORUM: VoteRule = { of: 'all', op: '>', ratio: '1/2' };
const VILLAGERS_PASS: VoteRule = { of: 'present', op: '>', ratio: '1/2' };
const PARTY_RULE: VoteRule = { of: 'entitled', op: '>', ratio: '1/2' };

/** Roles whose meetings are villagers' bodies under the Organic Law. */
const VILLAGER_BODIES = new Set(['villager_representative', 'villager']);

/** A duration's length in hours, months as 30 days and years as 365 (enough to tell "under a day"). */
function approxHours(duration: string): number | null {
  try {
    const d = parseDuration(duration);
    return ((d.years * 365 + d.months * 30 + d.weeks * 7 + d.days) * 24 + d.hours + d.minutes / 60 + d.seconds / 3600);
  } catch {
    return null;
  }
}

type AnyState = Record<string, unknown> & { kind?: unknown; on?: unknown; after?: unknown };

/** Targets of a state's `on` and `after`, whatever their form; malformed parts are skipped. */
function targetsOf(state: AnyState): string[] {
  const out: string[] = [];
  const take = (t: unknown) => {
    if (typeof t === 'string') out.push(t);
    else if (t && typeof t === 'object' && typeof (t as { target?: unknown }).target === 'string') out.push((t as { target: string }).target);
  };
  for (const group of [state.on, state.after]) {
    if (!group || typeof group !== 'object') continue;
    for (const v of Object.values(group)) (Array.isArray(v) ? v : [v]).forEach(take);
  }
  return out;
}

/**
 * The legal checks of a flow. `known` are issues already reported (the validator's): a structural
 * warning (unreachable, no way out) at a pointer already reported is left out, so nothing is said twice.
 */
export function legalChecks(flow: unknown, known: readonly FlowIssue[] = []): LegalIssue[] {
  const out: LegalIssue[] = [];
  if (!flow || typeof flow !== 'object') return out;
  const f = flow as { initial?: unknown; states?: unknown };
  const states = f.states && typeof f.states === 'object' ? (f.states as Record<string, AnyState>) : {};
  const add = (pointer: string, rule: LegalRule, level: LegalLevel, zh: string, en: string) => out.push({ pointer, rule, level, message: { zh, en } });

  for (const [id, state] of Object.entries(states)) {
    if (!state || typeof state !== 'object') continue;
    const sp = `/states/${escapeToken(id)}`;
    const vote = state.vote as { electorate?: unknown; quorum?: unknown; pass?: unknown } | undefined;
    if (state.kind === 'vote' && vote && typeof vote === 'object') {
      const electorate = typeof vote.electorate === 'string' ? vote.electorate : '';
      const quorum = isRule(vote.quorum) ? vote.quorum : null;
      const pass = isRule(vote.pass) ? vote.pass : null;
      if (electorate === 'villager_representative') {
        if (!quorum || !atLeastAsStrict(quorum, REP_QUORUM)) {
          add(
            `${sp}/vote/quorum`,
            'representative-quorum',
            'statutory',
            `村民代表会议须有组成人员三分之二以上参加方可举行（全体成员的2/3以上）；现为${quorum ? ruleWords(quorum).zh : '未设法定人数'}`,
            `A villagers' representative meeting needs at least 2/3 of all its members present; this vote has ${quorum ? ruleWords(quorum).en : 'no quorum'}`,
          );
        }
      }
      if (electorate === 'villager' && (!quorum || !atLeastAsStrict(quorum, VILLAGER_QUORUM))) {
        add(
          `${sp}/vote/quorum`,
          'villager-quorum',
          'warning',
          `村民会议应有本村十八周岁以上村民过半数，或本村三分之二以上户的代表参加；现为${quorum ? ruleWords(quorum).zh : '未设法定人数'}，请核对`,
          `A villagers' meeting needs more than half of the adult villagers, or representatives of at least 2/3 of households; this vote has ${quorum ? ruleWords(quorum).en : 'no quorum'}: please check`,
        );
      }
      if (VILLAGER_BODIES.has(electorate) && pass && !atLeastAsStrict(pass, VILLAGERS_PASS)) {
        add(
          `${sp}/vote/pass`,
          'villager-pass',
          'statutory',
          `村民会议、村民代表会议所作决定应经到会人员的过半数同意；现为${ruleWords(pass).zh}`,
          `Decisions of a villagers' or representatives' meeting need more than half of those present; this vote passes with ${ruleWords(pass).en}`,
        );
      }
      if (electorate === 'party_member') {
        if (!quorum || !atLeastAsStrict(quorum, PARTY_RULE)) {
          add(
            `${sp}/vote/quorum`,
            'party-quorum',
            'warning',
            `党员大会须有半数以上有表决权的党员到会方可召开（应到人数过半数）；现为${quorum ? ruleWords(quorum).zh : '未设法定人数'}`,
            `A Party members' meeting needs more than half of the entitled voting members present; this vote has ${quorum ? ruleWords(quorum).en : 'no quorum'}`,
          );
        }
        if (pass && !atLeastAsStrict(pass, PARTY_RULE)) {
          add(
            `${sp}/vote/pass`,
            'party-pass',
            'warning',
            `党员大会表决须经应到会有表决权党员过半数同意，而不是到会人数；现为${ruleWords(pass).zh}`,
            `A Party members' meeting decides by more than half of the entitled (expected) voting members, not of those present; this vote passes with ${ruleWords(pass).en}`,
          );
        }
      }
    }
    const disclosure = state.disclosure as { period?: { duration?: unknown } } | undefined;
    if (state.kind === 'disclosure' && disclosure && typeof disclosure === 'object') {
      const duration = disclosure.period?.duration;
      const hours = typeof duration === 'string' ? approxHours(duration) : null;
      if (hours !== null && hours < 24) {
        add(
          `${sp}/disclosure/period/duration`,
          'disclosure-period',
          'warning',
          `公示期不足一天（${duration}），村民来不及看到和提出异议；常见为7天`,
          `The notice period is under one day (${duration}): villagers have no time to see it or object; 7 days is usual`,
        );
      }
    }
  }

  // Structure: unreachable states and dead ends. The validator refuses these as errors on a
  // well-formed flow; here they are found on any flow, and left out where already reported.
  const ids = Object.keys(states);
  const reported = new Set(known.map((k) => k.pointer));
  if (typeof f.initial === 'string' && Object.hasOwn(states, f.initial)) {
    const reached = new Set<string>([f.initial]);
    const queue = [f.initial];
    while (queue.length) {
      const s = states[queue.shift()!];
      if (!s || typeof s !== 'object') continue;
      for (const t of targetsOf(s)) if (Object.hasOwn(states, t) && !reached.has(t)) reached.add(t), queue.push(t);
    }
    for (const id of ids) {
      const sp = `/states/${escapeToken(id)}`;
      if (reported.has(sp)) continue;
      const s = states[id]!;
      if (!reached.has(id)) {
        add(sp, 'unreachable', 'warning', `步骤“${id}”从起点无法到达`, `Step "${id}" cannot be reached from the start`);
      } else if (s && typeof s === 'object' && s.kind !== 'final' && !targetsOf(s).some((t) => t !== id && Object.hasOwn(states, t))) {
        add(sp, 'no-way-out', 'warning', `步骤“${id}”没有出口：没有任何流转通向其他步骤`, `Step "${id}" has no way out: no transition leads to another step`);
      }
    }
  }
  return out;
}
