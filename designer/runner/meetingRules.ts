// The meeting's numbers as typed, and the rules in words. The arithmetic is the engine's own
// (checkRule, decide, countProblems), so the outcome shown while typing is the one the server keeps.
import { countProblems, decide, type FlowIssue, type MeetingCounts, type VoteConfig, type VoteResult, type VoteRule } from '../../engine/index.ts';
import type { Lang } from '../i18n/index.tsx';
import type { Sender } from './useSend.ts';

export const COUNT_FIELDS = ['members', 'eligible', 'present', 'for', 'against', 'abstain', 'recused'] as const;
export type CountField = (typeof COUNT_FIELDS)[number];
export type CountInputs = Record<CountField, string>;
export type Translate = (key: string, vars?: Record<string, string | number>) => string;

export const EMPTY_COUNTS: CountInputs = { members: '', eligible: '', present: '', for: '', against: '', abstain: '', recused: '' };

/** The step's vote configuration, when the server sent one. */
export function asVote(v: unknown): VoteConfig | null {
  const o = v as Partial<VoteConfig> | null | undefined;
  return o && typeof o === 'object' && (o.mode === 'record' || o.mode === 'ballot') && o.pass ? (o as VoteConfig) : null;
}

/** Full-width digits (from a Chinese input method) count as digits; anything else is not a count. */
export function normalizeDigits(s: string): string {
  return s.replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 48)).trim();
}

export function parseCount(s: string): number | null {
  const v = normalizeDigits(s);
  return /^\d{1,7}$/.test(v) && Number(v) <= 1_000_000 ? Number(v) : null;
}

/** Which count a rule is a fraction of. */
export function baseField(rule: VoteRule): CountField {
  return rule.of === 'all' ? 'members' : rule.of === 'entitled' ? 'eligible' : 'present';
}

/** The fields the outcome needs: who came, who voted for, and each rule's denominator. */
export function neededFields(vote: VoteConfig): CountField[] {
  const need = new Set<CountField>(['for', baseField(vote.pass)]);
  if (vote.quorum) need.add('present').add(baseField(vote.quorum));
  return COUNT_FIELDS.filter((f) => need.has(f));
}

function numbers(values: CountInputs): Partial<MeetingCounts> {
  const out: Partial<MeetingCounts> = {};
  for (const f of COUNT_FIELDS) {
    const n = parseCount(values[f]);
    if (n !== null) out[f] = n;
  }
  return out;
}

/** The outcome of the numbers typed so far, or null while a number the rules need is missing. */
export function liveOutcome(vote: VoteConfig, values: CountInputs): VoteResult | null {
  const n = numbers(values);
  if (neededFields(vote).some((f) => n[f] === undefined)) return null;
  const counts: MeetingCounts = { members: 0, eligible: 0, present: 0, for: 0, against: 0, abstain: 0, recused: 0, ...n };
  return decide(vote, counts, { at: '', by: '' });
}

/**
 * The engine's consistency problems among the numbers typed so far: each check is made once the
 * numbers it compares are there (a blank against, abstain or recused counts as 0 meanwhile).
 */
export function liveProblems(values: CountInputs): FlowIssue[] {
  const n = numbers(values);
  const counts: MeetingCounts = { members: 0, eligible: 0, present: 0, for: 0, against: 0, abstain: 0, recused: 0, ...n };
  const ready: Record<string, boolean> = {
    '/eligible': n.members !== undefined && n.eligible !== undefined,
    '/present': n.present !== undefined && n.eligible !== undefined,
    '/for': n.present !== undefined && (n.for !== undefined || n.against !== undefined || n.abstain !== undefined),
  };
  return countProblems(counts).filter((p) => ready[p.pointer] !== false);
}

/**
 * A consistency problem in the reader's language, by the code and figures the engine gives it
 * (common.issues); `_values` is kept for the callers' sake, the figures travel with the problem.
 */
export function problemText(t: Translate, p: FlowIssue, _values?: CountInputs): string {
  const key = `common.issues.${p.code}`;
  const text = p.code ? t(key, p.params) : key;
  return text === key ? t('common.issues.invalid') : text;
}

const ZH_DIGITS = '零一二三四五六七八九';
function zhNumber(n: number): string {
  if (n < 10) return ZH_DIGITS[n]!;
  if (n < 20) return `十${n % 10 ? ZH_DIGITS[n % 10] : ''}`;
  if (n < 100) return `${ZH_DIGITS[Math.floor(n / 10)]}十${n % 10 ? ZH_DIGITS[n % 10] : ''}`;
  return String(n);
}
const EN_RATIOS: Record<string, string> = { '1/3': 'one third', '2/3': 'two thirds', '1/4': 'a quarter', '3/4': 'three quarters', '4/5': 'four fifths' };

/** "2/3" as people say it: 三分之二, two thirds; 1/2 is 半数 / half. */
export function ratioWords(t: Translate, lang: Lang, ratio: string): string {
  if (ratio === '1/2') return t('meeting.half');
  const [n, d] = ratio.split('/').map(Number) as [number, number];
  if (lang === 'zh') return `${zhNumber(d)}分之${zhNumber(n)}`;
  return EN_RATIOS[ratio] ?? ratio;
}

/** A rule in words: 到会人数达到组成人员的三分之二以上 / at least two thirds of all members attend. */
export function ruleText(t: Translate, lang: Lang, rule: VoteRule, kind: 'quorum' | 'pass'): string {
  const key = `meeting.${kind}${rule.op === '>=' ? 'AtLeast' : 'MoreThan'}`;
  return t(key, { base: t(`meeting.bases.${rule.of}`), ratio: ratioWords(t, lang, rule.ratio) });
}

export const OP_SIGN: Record<VoteRule['op'], string> = { '>=': '≥', '>': '>' };

/** The server's messages for one field of the payload (RJSF-style `{ field: { __errors } }`). */
export function serverErrors(sender: Sender, field: string): string[] {
  const node = sender.error?.fieldErrors?.[field] as { __errors?: unknown } | undefined;
  return Array.isArray(node?.__errors) ? node.__errors.map(String) : [];
}
