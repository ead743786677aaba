// The diff of two flow versions (engine/flowDiff.ts) and how the designer marks it on the canvas
// (designer/editor/diffMarks.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diffFlows, isEmptyDiff, type Flow } from '../../engine/index.ts';
import { canvasDiff } from '../../designer/editor/diffMarks.ts';

const load = (): Flow => JSON.parse(readFileSync('flows/five-deliberations-two-disclosures.flow.json', 'utf8')) as Flow;

/** The township review moved before the party members' meeting. */
function reviewFirst(flow: Flow): Flow {
  const f = structuredClone(flow);
  f.version = '1.2.0';
  f.states.two_committees!.on!['VOTE.PASSED'] = 'township_review';
  f.states.township_review!.on!.APPROVE = 'party_members_meeting';
  f.states.representatives_meeting!.on!['VOTE.PASSED'] = 'resolution_disclosure';
  return f;
}

describe('diffFlows', () => {
  it('finds nothing between a flow and itself (or a copy with its keys reordered)', () => {
    const a = load();
    const d = diffFlows(a, structuredClone(a));
    expect(isEmptyDiff(d)).toBe(true);
    expect(d).toEqual({
      top: [],
      states: { added: [], removed: [], changed: [] },
      transitions: { added: [], removed: [], changed: [] },
      forms: { changed: [] },
      roles: { added: [], removed: [], changed: [] },
    });
    const reordered = Object.fromEntries(Object.entries(a).reverse()) as unknown as Flow;
    expect(isEmptyDiff(diffFlows(a, reordered))).toBe(true);
  });

  it('treats a bare target and { target } alike', () => {
    const a = load();
    const b = structuredClone(a);
    b.states.implementation!.on!.SUBMIT = { target: 'result_disclosure' };
    expect(isEmptyDiff(diffFlows(a, b))).toBe(true);
  });

  it('shows exactly the rerouted transitions when the township review moves before the party members’ meeting', () => {
    const a = load();
    const d = diffFlows(a, reviewFirst(a));
    expect(d.top).toEqual([{ field: 'version', before: '1.1.0', after: '1.2.0' }]);
    expect(d.states).toEqual({ added: [], removed: [], changed: [] });
    expect(d.forms.changed).toEqual([]);
    expect(d.roles).toEqual({ added: [], removed: [], changed: [] });
    expect(d.transitions.added).toEqual([]);
    expect(d.transitions.removed).toEqual([]);
    expect(d.transitions.changed).toEqual([
      { source: 'two_committees', event: 'VOTE.PASSED', index: 0, fields: ['target'], before: { target: 'party_members_meeting' }, after: { target: 'township_review' } },
      { source: 'representatives_meeting', event: 'VOTE.PASSED', index: 0, fields: ['target'], before: { target: 'township_review' }, after: { target: 'resolution_disclosure' } },
      { source: 'township_review', event: 'APPROVE', index: 0, fields: ['target'], before: { target: 'resolution_disclosure' }, after: { target: 'party_members_meeting' } },
    ]);
    // Deterministic: the same inputs, the same diff.
    expect(diffFlows(a, reviewFirst(a))).toEqual(d);
  });

  it('reports a form field added, removed and changed, and required', () => {
    const a = load();
    const b = structuredClone(a);
    const schema = b.states.proposal!.form!.schema as { properties: Record<string, Record<string, unknown>>; required?: string[] };
    schema.properties.contact_phone = { type: 'string', title: '联系电话' };
    delete schema.properties.branch_minutes;
    schema.properties.budget = { ...schema.properties.budget, minimum: 100 };
    const d = diffFlows(a, b);
    expect(d.forms.changed).toEqual([{ state: 'proposal', added: ['contact_phone'], removed: ['branch_minutes'], changed: [{ field: 'budget', keys: ['minimum'] }], other: [] }]);
    expect(d.states.changed).toEqual([{ id: 'proposal', fields: ['form'] }]);
    expect(d.transitions).toEqual({ added: [], removed: [], changed: [] });

    const req = (schema.required ?? []).includes('subject');
    schema.required = req ? (schema.required ?? []).filter((r) => r !== 'subject') : [...(schema.required ?? []), 'subject'];
    expect(diffFlows(a, b).forms.changed[0]!.changed).toContainEqual({ field: 'subject', keys: ['required'] });
  });

  it('reports states, transitions and roles added and removed, and top-level changes', () => {
    const a = load();
    const b = structuredClone(a);
    b.title = { zh: '五议两公开（试行）', en: 'Five deliberations (trial)' };
    b.roles.observer = { zh: '观察员', en: 'Observer' };
    delete b.states.withdrawn;
    delete b.states.proposal!.on!.WITHDRAW;
    delete b.states.plan_revision!.on!.WITHDRAW;
    b.states.hearing = { kind: 'task', title: { zh: '听证' }, roles: ['clerk'], on: { SUBMIT: 'two_committees' } };
    b.states.proposal!.on!.SUBMIT = 'hearing';
    b.states.proposal!.title = { zh: '提议' };
    const d = diffFlows(a, b);
    expect(d.top.map((t) => t.field)).toEqual(['title']);
    expect(d.states.added).toEqual(['hearing']);
    expect(d.states.removed).toEqual(['withdrawn']);
    expect(d.states.changed).toEqual([{ id: 'proposal', fields: ['title'] }]);
    expect(d.transitions.added).toEqual([{ source: 'hearing', event: 'SUBMIT', index: 0, target: 'two_committees' }]);
    expect(d.transitions.removed.map((t) => `${t.source} ${t.event}`)).toEqual(['proposal WITHDRAW', 'plan_revision WITHDRAW']);
    expect(d.transitions.changed.map((t) => `${t.source} ${t.event} ${t.fields.join()}`)).toEqual(['proposal SUBMIT target']);
    expect(d.roles).toEqual({ added: ['observer'], removed: [], changed: [] });
  });

  it('compares timers by duration and guarded alternatives by index', () => {
    const a = load();
    const b = structuredClone(a);
    a.states.township_review!.after = { P20D: 'rejected' };
    b.states.township_review!.after = { P20D: { target: 'rejected', calendar: 'working' }, P30D: 'withdrawn' };
    const list = b.states.resolution_objection!.on!.SUBMIT as { guard?: string }[];
    list[1]!.guard = 'payload.decision == "redo"';
    const d = diffFlows(a, b);
    expect(d.transitions.added).toEqual([{ source: 'township_review', event: 'after', index: 0, duration: 'P30D', target: 'withdrawn' }]);
    expect(d.transitions.changed.map((t) => [t.source, t.event, t.index, t.fields])).toEqual([['resolution_objection', 'SUBMIT', 1, ['guard']]]);
  });
});

describe('canvasDiff', () => {
  it('marks rerouted edges changed and draws where they went before', () => {
    const a = load();
    const b = reviewFirst(a);
    const c = canvasDiff(a, b, diffFlows(a, b));
    expect(c.nodes).toEqual({});
    expect(c.edges).toEqual({ 'two_committees#VOTE.PASSED#0': 'changed', 'representatives_meeting#VOTE.PASSED#0': 'changed', 'township_review#APPROVE#0': 'changed' });
    expect(c.ghostNodes).toEqual([]);
    expect(c.ghostEdges.map((e) => [e.id, e.source, e.target, e.mark])).toEqual([
      ['vd-before:two_committees#VOTE.PASSED#0', 'two_committees', 'party_members_meeting', 'before'],
      ['vd-before:representatives_meeting#VOTE.PASSED#0', 'representatives_meeting', 'township_review', 'before'],
      ['vd-before:township_review#APPROVE#0', 'township_review', 'resolution_disclosure', 'before'],
    ]);
  });

  it('draws removed states and their edges from the other version, added ones marked', () => {
    const a = load();
    const b = structuredClone(a);
    delete b.states.withdrawn;
    delete b.states.proposal!.on!.WITHDRAW;
    delete b.states.plan_revision!.on!.WITHDRAW;
    b.states.hearing = { kind: 'task', title: { zh: '听证' }, roles: ['clerk'], on: { SUBMIT: 'two_committees' } };
    const c = canvasDiff(a, b, diffFlows(a, b));
    expect(c.nodes).toEqual({ hearing: 'added' });
    expect(c.edges).toEqual({ 'hearing#SUBMIT#0': 'added' });
    expect(c.ghostNodes.map((n) => [n.id, n.mark])).toEqual([['withdrawn', 'removed']]);
    expect(c.ghostEdges.map((e) => [e.id, e.target, e.mark])).toEqual([
      ['vd-removed:proposal#WITHDRAW#0', 'withdrawn', 'removed'],
      ['vd-removed:plan_revision#WITHDRAW#0', 'withdrawn', 'removed'],
    ]);
  });
});
