// The designer shows the validator's problems in Chinese: every message broken flows really get
// is recognised and worded in both languages, with nothing left untranslated or unfilled.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateFlow } from '../../engine/index.ts';
import { ISSUE_KEYS, issueForm, issueWords } from '../../designer/editor/issueWords.ts';
import { lookup, type Lang } from '../../designer/i18n/index.tsx';

type Json = Record<string, any>;
const mini = JSON.parse(readFileSync('tests/fixtures/mini.flow.json', 'utf8')) as Json;

const tFor = (lang: Lang) => (key: string, vars?: Record<string, string | number>) => {
  const found = lookup(lang, key);
  if (typeof found !== 'string') throw new Error(`no ${lang} label ${key}`);
  return vars ? found.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? `{${k}}`)) : found;
};
const zh = tFor('zh');
const en = tFor('en');

/** The mini flow with one thing broken. */
function broken(edit: (f: Json) => void): Json {
  const f = structuredClone(mini);
  edit(f);
  return f;
}
const s = (f: Json) => f.states;
const BROKEN: ((f: Json) => void)[] = [
  (f) => (s(f).draft.roles = ['ghost']),
  (f) => (f.initial = 'nowhere'),
  (f) => (s(f).review.on.APPROVE = 'nowhere'),
  (f) => ((f.data.properties.proposal = { type: 'string' }), (s(f).meeting.vote.saveTo = '/proposal/x')),
  (f) => ((f.data.additionalProperties = false), (s(f).review.review.saveTo = '/elsewhere')),
  (f) => (s(f).draft.on.START = 'review'),
  (f) => (s(f).draft.on.APPROVE = 'meeting'),
  (f) => (s(f).draft.on['FOO.BAR'] = 'meeting'),
  (f) => delete s(f).draft.form,
  (f) => (s(f).review.on['DEADLINE.EXCEEDED'] = 'draft'),
  (f) => delete s(f).meeting.vote.quorum,
  (f) => ((s(f).meeting.vote.mode = 'record'), (s(f).meeting.vote.secret = true)),
  (f) => delete s(f).meeting.on['VOTE.FAILED'],
  (f) => (s(f).orphan = { kind: 'task', title: { zh: '孤立' }, roles: ['clerk'], on: { GO: 'adopted' } }),
  (f) => ((s(f).stuck = { kind: 'task', title: { zh: '卡住' }, roles: ['clerk'], on: {} }), (s(f).draft.on.STOP = 'stuck')),
  (f) => ((s(f).loop1 = { kind: 'task', title: { zh: '一' }, roles: ['clerk'], on: { GO: 'loop2' } }), (s(f).loop2 = { kind: 'task', title: { zh: '二' }, roles: ['clerk'], on: { GO: 'loop1' } }), (s(f).draft.on.LOOP = 'loop1')),
  (f) => (s(f).draft.deadline.duration = 'P0D'),
  (f) => (s(f).draft.deadline.duration = 'PT5H'),
  (f) => (s(f).draft.deadline = { duration: 'P200Y' }),
  (f) => (f.data.properties.deep = JSON.parse('{"x":'.repeat(70) + '{}' + '}'.repeat(70))),
  (f) => (s(f).meeting.vote.quorum.ratio = '3/2'),
  (f) => (s(f).meeting.vote.pass = { of: 'present', op: '>', ratio: '1/1' }),
  (f) => (s(f).meeting.vote.quorum.of = 'present'),
  (f) => (s(f).draft.on.SUBMIT[0].guard = 'payload.subject.matches("a")'),
  (f) => (s(f).draft.on.SUBMIT[0].guard = '1 + 1'),
  (f) => (s(f).draft.on.SUBMIT[0].guard = 'payload.'),
  (f) => (s(f).draft.form.schema = { type: 'nonsense' }),
  (f) => (s(f).adopted.on = { X: 'draft' }),
  (f) => (f.id = 'Bad Id'),
  (f) => (f.version = 'one'),
  (f) => (s(f).draft.on.SUBMIT[1].target = 'Bad-State'),
  (f) => (s(f).draft.on.bad = 'meeting'),
  (f) => (s(f).draft.deadline.duration = 'seven days'),
  (f) => (s(f).draft.form.saveTo = 'proposal'),
  (f) => (s(f).meeting.vote.pass.ratio = 'half'),
  (f) => (s(f).draft.states = {}),
  (f) => (s(f).draft.entry = []),
  (f) => (s(f).draft.exit = []),
  (f) => (s(f).draft.actions = []),
  (f) => (s(f).draft.invoke = {}),
  (f) => (s(f).draft.always = 'review'),
  (f) => (s(f).draft.context = {}),
  (f) => (s(f).draft.type = 'final'),
  (f) => delete f.title,
  (f) => (f.extra = 1),
  (f) => (f.title.zh = 5),
  (f) => (f.title.zh = ''),
  (f) => (f.starters = []),
  (f) => (s(f).draft.kind = 'weird'),
  (f) => (s(f).meeting.vote.mode = 'show-of-hands'),
  (f) => (s(f).draft.deadline.calendar = 'lunar'),
  (f) => (f.roles = {}),
  (f) => (f.starters = ['clerk', 'clerk']),
  (f) => (s(f).adopted.type = 'initial'),
];

/** Messages no small flow can provoke, written as the engine writes them. */
const SYNTHETIC = [
  'type must be "final"',
  'not a valid JSON Schema: schema is invalid: data/type must be equal to one of the allowed values',
  'must be one of: "republish", "revise"',
  'must match pattern "^[a-z]+$"',
  'flow is too large (more than 200000 JSON values)',
  '"P7X" is not an ISO-8601 duration (e.g. P7D, PT72H)',
  'must NOT have more than 200 characters',
  'must NOT have more than 50 items',
  'must NOT have more than 1 properties',
  'must NOT have fewer than 1 properties',
  'must be equal to constant: "final"',
  'must be >= 0',
  'must match format "date"',
  'must match a schema in anyOf',
  'must match exactly one schema in oneOf',
];

const real = BROKEN.flatMap((edit) => validateFlow(broken(edit)).map((i) => i.message));
const cjk = /[\u4e00-\u9fff]/;

describe('validator messages in the designer', () => {
  it('every message broken flows get is recognised', () => {
    expect(real.length).toBeGreaterThan(BROKEN.length);
    expect(real.filter((m) => !issueForm(m))).toEqual([]);
  });

  it('every rule is reached, by a real flow or a message the engine writes', () => {
    const reached = new Set([...real, ...SYNTHETIC].map((m) => issueForm(m)?.key));
    expect(ISSUE_KEYS.filter((k) => !reached.has(k))).toEqual([]);
  });

  it('reads in Chinese with every part filled in, and in English', () => {
    for (const m of [...real, ...SYNTHETIC]) {
      const words = issueWords(m, zh);
      expect(words, m).toMatch(cjk);
      expect(words, m).not.toMatch(/\{\w+\}/);
      const english = issueWords(m, en);
      expect(english, m).not.toMatch(cjk);
      expect(english, m).not.toMatch(/\{\w+\}/);
    }
  });

  it('keeps names, events and states as they are, and words kinds of step', () => {
    expect(issueWords('state "meeting" has no way out: no transition leads to another state', zh)).toBe('步骤“meeting”没有出路：没有流转通向其他步骤');
    expect(issueWords('a vote needs "VOTE.FAILED" in "on"', zh)).toBe('会议表决步骤需要处理事件“VOTE.FAILED”');
    expect(issueWords('"APPROVE" belongs to review states, not to a task state', zh)).toBe('事件“APPROVE”属于审核步骤，不能用在填写步骤上');
    expect(issueWords('something the engine says one day', zh)).toBe('something the engine says one day');
  });
});
