// A corpus of malformed flows: each is the valid mini fixture with exactly one mistake, and each
// must be refused with an issue at the exact JSON pointer of that mistake and a message that says
// what is wrong. The unmutated fixture is checked too, so every failure is the mutation's doing.
import { describe, expect, it } from 'vitest';
import { validateFlow } from '../../engine/index.ts';
import mini from '../fixtures/mini.flow.json' with { type: 'json' };

// Flows are plain JSON here; the mutations reach into them freely.
type Json = any;

interface Case {
  name: string;
  mutate: (flow: Json) => void;
  pointer: string;
  message: string;
}

const fresh = (): Json => structuredClone(mini);

/** A form schema nested `levels` objects deep (each level is `properties.n`). */
function deepSchema(levels: number): Json {
  let schema: Json = { type: 'string' };
  for (let i = 0; i < levels; i++) schema = { type: 'object', properties: { n: schema } };
  return schema;
}

const cases: Case[] = [
  // ── top level: shape ──────────────────────────────────────────────────────────────────
  { name: 'missing id', mutate: (f) => delete f.id, pointer: '/id', message: "required property 'id'" },
  { name: 'missing version', mutate: (f) => delete f.version, pointer: '/version', message: "required property 'version'" },
  { name: 'missing title.zh', mutate: (f) => delete f.title.zh, pointer: '/title/zh', message: "required property 'zh'" },
  { name: 'missing states', mutate: (f) => delete f.states, pointer: '/states', message: "required property 'states'" },
  { name: 'id not kebab-case', mutate: (f) => (f.id = 'Mini_Flow'), pointer: '/id', message: 'must be kebab-case' },
  { name: 'version not semver', mutate: (f) => (f.version = '1.0'), pointer: '/version', message: 'must be a semantic version' },
  { name: 'unknown top-level key', mutate: (f) => (f.context = {}), pointer: '/context', message: 'unknown key "context"' },
  {
    name: '10 MB title is refused by maxLength',
    mutate: (f) => (f.title.en = 'x'.repeat(10 * 1024 * 1024)),
    pointer: '/title/en',
    message: 'must NOT have more than 2000 characters',
  },
  {
    name: '10 MB version string is refused by a length limit',
    mutate: (f) => (f.version = '1.0.1' + '0'.repeat(10 * 1024 * 1024)),
    pointer: '/version',
    message: 'must NOT have more than',
  },
  {
    name: '10 MB data pointer in form.saveTo is refused by maxLength (no crash)',
    mutate: (f) => (f.states.draft.form.saveTo = '/' + 'a'.repeat(10 * 1024 * 1024)),
    pointer: '/states/draft/form/saveTo',
    message: 'must NOT have more than 300 characters',
  },
  {
    name: 'JSON nested 100 levels deep inside a form schema',
    mutate: (f) => (f.states.draft.form.schema.properties.deep = deepSchema(100)),
    pointer: '',
    message: 'nested too deeply',
  },
  {
    name: 'state id not snake_case',
    mutate: (f) => (f.states['Draft-2'] = f.states.draft),
    pointer: '/states/Draft-2',
    message: 'snake_case',
  },

  // ── states: shape and XState keys villageflow does not take ──────────────────────────────
  { name: 'unknown key in a state', mutate: (f) => (f.states.review.color = 'red'), pointer: '/states/review/color', message: 'unknown key "color"' },
  {
    name: 'nested states inside a state',
    mutate: (f) => (f.states.draft.states = { inner: { kind: 'final', title: { zh: '内' }, outcome: 'closed' } }),
    pointer: '/states/draft/states',
    message: 'nested states are not supported',
  },
  { name: 'entry actions', mutate: (f) => (f.states.draft.entry = ['notify']), pointer: '/states/draft/entry', message: 'entry actions are not allowed' },
  { name: 'actions key', mutate: (f) => (f.states.meeting.actions = ['log']), pointer: '/states/meeting/actions', message: 'actions are not allowed' },
  { name: '"type" on a non-final state', mutate: (f) => (f.states.draft.type = 'parallel'), pointer: '/states/draft/type', message: 'only final states take "type"' },
  { name: 'missing state kind', mutate: (f) => delete f.states.review.kind, pointer: '/states/review/kind', message: "required property 'kind'" },
  { name: 'unknown state kind', mutate: (f) => (f.states.draft.kind = 'job'), pointer: '/states/draft/kind', message: 'must be equal to one of the allowed values' },
  { name: 'final state with "on"', mutate: (f) => (f.states.adopted.on = { REOPEN: 'draft' }), pointer: '/states/adopted/on', message: 'a final state takes no events' },
  { name: 'final state without outcome', mutate: (f) => delete f.states.rejected.outcome, pointer: '/states/rejected/outcome', message: "required property 'outcome'" },
  {
    name: 'outcome not in the enum',
    mutate: (f) => (f.states.adopted.outcome = 'done'),
    pointer: '/states/adopted/outcome',
    message: 'must be equal to one of the allowed values',
  },

  // ── references: states and roles ─────────────────────────────────────────────────────────
  { name: 'initial names a missing state', mutate: (f) => (f.initial = 'nowhere'), pointer: '/initial', message: 'initial state "nowhere" is not in /states' },
  {
    name: 'dangling target, string form',
    mutate: (f) => (f.states.draft.on.WITHDRAW = 'nowhere'),
    pointer: '/states/draft/on/WITHDRAW',
    message: 'target "nowhere" is not in /states',
  },
  {
    name: 'dangling target, object form',
    mutate: (f) => (f.states.notice.on.OBJECT.target = 'nowhere'),
    pointer: '/states/notice/on/OBJECT/target',
    message: 'target "nowhere" is not in /states',
  },
  {
    name: 'dangling target, object inside an array',
    mutate: (f) => (f.states.draft.on.SUBMIT[1].target = 'nowhere'),
    pointer: '/states/draft/on/SUBMIT/1/target',
    message: 'target "nowhere" is not in /states',
  },
  {
    name: 'dangling target, string inside an array',
    mutate: (f) => (f.states.draft.on.SUBMIT[1] = 'nowhere'),
    pointer: '/states/draft/on/SUBMIT/1',
    message: 'target "nowhere" is not in /states',
  },
  {
    name: 'dangling target in after',
    mutate: (f) => (f.states.review.after = { P30D: { target: 'nowhere' } }),
    pointer: '/states/review/after/P30D/target',
    message: 'target "nowhere" is not in /states',
  },
  { name: 'undeclared role in starters', mutate: (f) => f.starters.push('mayor'), pointer: '/starters/1', message: 'role "mayor" is not declared' },
  { name: 'undeclared role in state roles', mutate: (f) => (f.states.review.roles = ['mayor']), pointer: '/states/review/roles/0', message: 'role "mayor" is not declared' },
  {
    name: 'undeclared role in transition roles',
    mutate: (f) => (f.states.notice.on.OBJECT.roles = ['villager', 'mayor']),
    pointer: '/states/notice/on/OBJECT/roles/1',
    message: 'role "mayor" is not declared',
  },
  {
    name: 'undeclared role as vote electorate',
    mutate: (f) => (f.states.meeting.vote.electorate = 'mayor'),
    pointer: '/states/meeting/vote/electorate',
    message: 'role "mayor" is not declared',
  },

  // ── guards (CEL) ─────────────────────────────────────────────────────────────────────────
  {
    name: 'guard with invalid CEL syntax',
    mutate: (f) => (f.states.draft.on.SUBMIT[0].guard = 'payload.budget >='),
    pointer: '/states/draft/on/SUBMIT/0/guard',
    message: 'guard "payload.budget >="',
  },
  {
    name: 'guard that is not boolean',
    mutate: (f) => (f.states.draft.on.SUBMIT[0].guard = '1 + 2'),
    pointer: '/states/draft/on/SUBMIT/0/guard',
    message: 'must be true or false',
  },
  {
    name: 'guard using an unknown variable',
    mutate: (f) => (f.states.draft.on.SUBMIT[0].guard = 'process.env'),
    pointer: '/states/draft/on/SUBMIT/0/guard',
    message: 'Unknown variable: process',
  },
  {
    name: 'guard using matches()',
    mutate: (f) => (f.states.draft.on.SUBMIT[0].guard = 'payload.subject.matches("(a+)+$")'),
    pointer: '/states/draft/on/SUBMIT/0/guard',
    message: 'matches() is not allowed',
  },

  // ── durations ────────────────────────────────────────────────────────────────────────────
  {
    name: 'bad ISO duration as an after key',
    mutate: (f) => (f.states.review.after = { '3 days': 'rejected' }),
    pointer: '/states/review/after/3 days',
    message: 'ISO-8601 duration',
  },
  {
    name: 'bad ISO duration in a deadline',
    mutate: (f) => (f.states.draft.deadline.duration = '3 days'),
    pointer: '/states/draft/deadline/duration',
    message: 'ISO-8601 duration',
  },
  {
    name: 'bad ISO duration in a disclosure period',
    mutate: (f) => (f.states.notice.disclosure.period.duration = 'P7'),
    pointer: '/states/notice/disclosure/period/duration',
    message: 'ISO-8601 duration',
  },
  {
    name: 'working-day duration with hours',
    mutate: (f) => (f.states.draft.deadline = { duration: 'PT5H', calendar: 'working' }),
    pointer: '/states/draft/deadline/duration',
    message: 'whole days only',
  },
  {
    name: 'working-day after timer with hours',
    mutate: (f) => (f.states.review.after = { P1DT2H: { target: 'rejected', calendar: 'working' } }),
    pointer: '/states/review/after/P1DT2H',
    message: 'whole days only',
  },
  {
    name: 'zero duration',
    mutate: (f) => (f.states.notice.disclosure.period.duration = 'P0D'),
    pointer: '/states/notice/disclosure/period/duration',
    message: 'must be longer than zero',
  },

  // ── votes ────────────────────────────────────────────────────────────────────────────────
  { name: 'vote missing VOTE.PASSED', mutate: (f) => delete f.states.meeting.on['VOTE.PASSED'], pointer: '/states/meeting/on', message: 'needs "VOTE.PASSED"' },
  {
    name: 'vote with a quorum missing VOTE.NO_QUORUM',
    mutate: (f) => delete f.states.meeting.on['VOTE.NO_QUORUM'],
    pointer: '/states/meeting/on',
    message: 'needs "VOTE.NO_QUORUM"',
  },
  {
    name: 'VOTE.NO_QUORUM without a quorum rule',
    mutate: (f) => delete f.states.meeting.vote.quorum,
    pointer: '/states/meeting/on/VOTE.NO_QUORUM',
    message: 'needs a "quorum" rule',
  },
  {
    name: 'quorum rule of "present"',
    mutate: (f) => (f.states.meeting.vote.quorum.of = 'present'),
    pointer: '/states/meeting/vote/quorum',
    message: 'not "present"',
  },
  { name: 'ratio 3/2', mutate: (f) => (f.states.meeting.vote.pass.ratio = '3/2'), pointer: '/states/meeting/vote/pass', message: 'more than the whole' },
  { name: '"> 1/1" can never be met', mutate: (f) => (f.states.meeting.vote.pass.ratio = '1/1'), pointer: '/states/meeting/vote/pass', message: 'can never be met' },
  { name: 'ratio not a fraction', mutate: (f) => (f.states.meeting.vote.quorum.ratio = '0.66'), pointer: '/states/meeting/vote/quorum/ratio', message: 'must be a fraction' },

  // ── events each kind requires or refuses ─────────────────────────────────────────────────
  { name: 'review without APPROVE', mutate: (f) => delete f.states.review.on.APPROVE, pointer: '/states/review/on', message: 'needs "APPROVE"' },
  {
    name: 'disclosure without DISCLOSURE.ENDED',
    mutate: (f) => delete f.states.notice.on['DISCLOSURE.ENDED'],
    pointer: '/states/notice/on',
    message: 'needs "DISCLOSURE.ENDED"',
  },
  { name: 'SUBMIT in a task without form', mutate: (f) => delete f.states.draft.form, pointer: '/states/draft/on/SUBMIT', message: 'has no "form"' },
  { name: 'APPROVE in a task state', mutate: (f) => (f.states.draft.on.APPROVE = 'meeting'), pointer: '/states/draft/on/APPROVE', message: 'belongs to review states' },
  {
    name: 'reserved RECORD_VOTE in on',
    mutate: (f) => (f.states.meeting.on.RECORD_VOTE = 'notice'),
    pointer: '/states/meeting/on/RECORD_VOTE',
    message: 'handled by the engine itself',
  },
  { name: 'reserved TIMER in on', mutate: (f) => (f.states.review.on.TIMER = 'rejected'), pointer: '/states/review/on/TIMER', message: 'handled by the engine itself' },
  { name: 'reserved START in on', mutate: (f) => (f.states.draft.on.START = 'draft'), pointer: '/states/draft/on/START', message: 'handled by the engine itself' },
  { name: 'unknown dotted event FOO.BAR', mutate: (f) => (f.states.review.on['FOO.BAR'] = 'draft'), pointer: '/states/review/on/FOO.BAR', message: 'unknown engine event "FOO.BAR"' },
  {
    name: 'event name not UPPER_SNAKE_CASE',
    mutate: (f) => (f.states.review.on.withdraw = 'rejected'),
    pointer: '/states/review/on/withdraw',
    message: 'UPPER_SNAKE_CASE',
  },
  {
    name: 'DEADLINE.EXCEEDED without a deadline',
    mutate: (f) => (f.states.review.on['DEADLINE.EXCEEDED'] = 'rejected'),
    pointer: '/states/review/on/DEADLINE.EXCEEDED',
    message: 'needs a "deadline"',
  },

  // ── reachability ─────────────────────────────────────────────────────────────────────────
  {
    name: 'unreachable state',
    mutate: (f) => (f.states.orphan = { kind: 'final', title: { zh: '孤立' }, outcome: 'closed' }),
    pointer: '/states/orphan',
    message: 'cannot be reached from the initial state',
  },
  {
    name: 'non-final state with no way out',
    mutate: (f) => (f.states.review.on = { APPROVE: 'review', RETURN: {} }),
    pointer: '/states/review',
    message: 'has no way out',
  },
  {
    name: 'cycle with no exit to a final state',
    mutate: (f) => {
      f.states.review.on = { APPROVE: 'recheck' };
      f.states.recheck = { kind: 'task', title: { zh: '复核' }, roles: ['reviewer'], on: { DONE: 'review' } };
    },
    pointer: '/states/recheck',
    message: 'can never reach a final state',
  },

  // ── forms and data pointers ──────────────────────────────────────────────────────────────
  {
    name: 'form schema that is not a valid JSON Schema',
    mutate: (f) => (f.states.draft.form.schema = { type: 'object', properties: { a: { type: 'strnig' } } }),
    pointer: '/states/draft/form/schema',
    message: 'not a valid JSON Schema',
  },
  {
    name: 'form.saveTo outside a closed data schema',
    mutate: (f) => {
      f.data.additionalProperties = false;
      f.states.draft.form.saveTo = '/elsewhere';
    },
    pointer: '/states/draft/form/saveTo',
    message: '"/elsewhere" is not declared in the flow\'s data schema',
  },
  {
    name: 'disclosure publishes a pointer the closed data schema lacks',
    mutate: (f) => {
      f.data.additionalProperties = false;
      f.states.notice.disclosure.publish = ['/proposal/subject', '/secret'];
    },
    pointer: '/states/notice/disclosure/publish/1',
    message: '"/secret" is not declared in the flow\'s data schema',
  },
  {
    name: 'vote.saveTo outside a closed data schema',
    mutate: (f) => {
      f.data.additionalProperties = false;
      f.states.meeting.vote.saveTo = '/votes';
    },
    pointer: '/states/meeting/vote/saveTo',
    message: '"/votes" is not declared',
  },
];

describe('malformed flows', () => {
  it('the unmutated mini fixture is valid', () => {
    expect(validateFlow(fresh())).toEqual([]);
  });

  it('the corpus is large enough and its names are unique', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases)('$name → $pointer', ({ mutate, pointer, message }) => {
    const flow = fresh();
    mutate(flow);
    const issues = validateFlow(flow);
    expect(issues).toContainEqual(expect.objectContaining({ pointer, message: expect.stringContaining(message) }));
  });

  it('reports several independent semantic mistakes at once', () => {
    const flow = fresh();
    flow.starters = ['mayor'];
    flow.states.draft.on.WITHDRAW = 'nowhere';
    flow.states.draft.on.SUBMIT[0].guard = '1 + 2';
    flow.states.meeting.vote.pass.ratio = '3/2';
    flow.states.notice.disclosure.period.duration = 'P0D';
    const issues = validateFlow(flow);
    expect(issues.length).toBeGreaterThanOrEqual(5);
    for (const [pointer, message] of [
      ['/starters/0', 'role "mayor" is not declared'],
      ['/states/draft/on/WITHDRAW', 'target "nowhere" is not in /states'],
      ['/states/draft/on/SUBMIT/0/guard', 'must be true or false'],
      ['/states/meeting/vote/pass', 'more than the whole'],
      ['/states/notice/disclosure/period/duration', 'must be longer than zero'],
    ] as [string, string][]) {
      expect(issues).toContainEqual(expect.objectContaining({ pointer, message: expect.stringContaining(message) }));
    }
  });

  // Schema wrappers (if/then per kind, oneOf for transitions) must not bury the one real mistake.
  it('a state without kind reports only the missing kind', () => {
    const flow = fresh();
    delete flow.states.review.kind;
    expect(validateFlow(flow)).toEqual([{ pointer: '/states/review/kind', message: "must have required property 'kind'" }]);
  });

  it('an over-long guard in a transition array is reported once, at the guard', () => {
    const flow = fresh();
    flow.states.draft.on.SUBMIT[0].guard = 'true' + ' && true'.repeat(400);
    expect(validateFlow(flow)).toEqual([
      { pointer: '/states/draft/on/SUBMIT/0/guard', message: 'must NOT have more than 2000 characters' },
    ]);
  });

  it('reports several independent shape mistakes at once', () => {
    const flow = fresh();
    delete flow.version;
    flow.extra = true;
    flow.states.adopted.outcome = 'done';
    flow.states.review.color = 'red';
    const issues = validateFlow(flow);
    expect(issues.length).toBeGreaterThanOrEqual(4);
    for (const [pointer, message] of [
      ['/version', "required property 'version'"],
      ['/extra', 'unknown key "extra"'],
      ['/states/adopted/outcome', 'must be equal to one of the allowed values'],
      ['/states/review/color', 'unknown key "color"'],
    ] as [string, string][]) {
      expect(issues).toContainEqual(expect.objectContaining({ pointer, message: expect.stringContaining(message) }));
    }
  });
});
