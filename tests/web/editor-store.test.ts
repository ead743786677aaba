// The flow designer's document edits (pure functions) and its store: every edit, undo and redo,
// keystrokes in one field as one undo step, selection and node positions outside the history,
// and export: an unchanged flow comes out byte for byte as it went in.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { transitionKey, transitionsOf, validateFlow, type Flow } from '../../engine/index.ts';
import {
  addState,
  addTransition,
  blankFlow,
  bumpVersion,
  copyFlow,
  deleteRole,
  deleteState,
  deleteTransition,
  getTransition,
  newState,
  renameRole,
  renameState,
  setFlowProps,
  setStateProps,
  setTransition,
} from '../../designer/editor/edits.ts';
import { createEditorStore, history } from '../../designer/editor/store.ts';
import { exportText, parseFlowText, selectionOf, serialise, suggestEvent } from '../../designer/editor/document.ts';
import { flowGraph } from '../../designer/diagram/graph.ts';

const FIVE = 'flows/five-deliberations-two-disclosures.flow.json';
const FOUR = 'flows/four-deliberations-two-disclosures.flow.json';
const text = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const load = (path: string) => JSON.parse(text(path)) as Flow;

/** Deep-freezes a value: an edit that writes into its input throws. */
function frozen<T>(v: T): T {
  if (v && typeof v === 'object') {
    Object.freeze(v);
    for (const c of Object.values(v)) frozen(c);
  }
  return v;
}

/** A small valid flow: a task with a form, a vote, two ends. */
function mini(): Flow {
  const f = blankFlow('mini');
  let g = setFlowProps(f, { data: { type: 'object', properties: { proposal: { type: 'object' } } } });
  g = setStateProps(g, 'proposal', { form: { schema: { type: 'object', properties: { subject: { type: 'string' } } }, saveTo: '/proposal' } });
  g = addState(g, 'meeting', newState('vote', { zh: '表决' }, ['clerk'], g));
  g = addState(g, 'adopted', newState('final', { zh: '通过' }, []));
  g = addState(g, 'rejected', { ...newState('final', { zh: '否决' }, []), outcome: 'rejected' });
  g = addTransition(g, 'proposal', 'SUBMIT', { target: 'meeting' });
  g = addTransition(g, 'meeting', 'VOTE.PASSED', { target: 'adopted' });
  g = addTransition(g, 'meeting', 'VOTE.FAILED', { target: 'rejected' });
  g = addTransition(g, 'meeting', 'VOTE.NO_QUORUM', { target: 'meeting' });
  return frozen(g);
}

describe('document edits', () => {
  it('build a valid flow from nothing', () => {
    expect(validateFlow(blankFlow('x'))).toEqual([{ pointer: '/states/proposal', message: expect.stringContaining('no way out') }]);
    expect(validateFlow(mini())).toEqual([]);
  });

  it('never change their input, and give the same flow back when nothing changes', () => {
    const f = mini();
    expect(setStateProps(f, 'proposal', { title: { zh: '提议', en: 'Proposal' } })).toBe(f);
    expect(setFlowProps(f, { version: '1.0.0' })).toBe(f);
    expect(addState(f, 'meeting', newState('task', { zh: 'x' }, ['clerk']))).toBe(f);
    expect(renameState(f, 'meeting', 'adopted')).toBe(f);
    expect(renameState(f, 'nope', 'x')).toBe(f);
    expect(deleteState(f, 'nope')).toBe(f);
    expect(deleteTransition(f, { source: 'meeting', event: 'NOPE', index: 0 })).toBe(f);
    expect(setTransition(f, { source: 'meeting', event: 'VOTE.PASSED', index: 0 }, { target: 'adopted' })).toBe(f);
  });

  it('addState appends a state of each kind that the schema accepts', () => {
    let f: Flow = mini();
    for (const kind of ['task', 'vote', 'review', 'disclosure', 'final'] as const) {
      f = addState(f, `new_${kind}`, newState(kind, { zh: kind }, ['clerk'], f));
    }
    expect(Object.keys(f.states).slice(-5)).toEqual(['new_task', 'new_vote', 'new_review', 'new_disclosure', 'new_final']);
    // Only structural complaints (unreachable, no way out) — no shape errors.
    const issues = validateFlow(f);
    expect(issues.length).toBeGreaterThan(0);
    for (const i of issues) expect(i.message).toMatch(/cannot be reached|no way out|needs "/);
  });

  it('renameState keeps its place and updates every target and initial', () => {
    const f = renameState(mini(), 'proposal', 'motion');
    expect(Object.keys(f.states)).toEqual(['motion', 'meeting', 'adopted', 'rejected']);
    expect(f.initial).toBe('motion');
    const g = renameState(mini(), 'meeting', 'vote');
    expect(g.states.proposal!.on!.SUBMIT).toBe('vote');
    expect(g.states.vote!.on!['VOTE.NO_QUORUM']).toBe('vote');
    expect(validateFlow(g)).toEqual([]);
    // Object, array and timer forms are retargeted too.
    const five = frozen(load(FIVE));
    const r = renameState(five, 'two_committees', 'joint_meeting');
    expect(r.initial).toBe('proposal');
    for (const id of Object.keys(r.states)) for (const { t } of transitionsOf(r, id)) expect(t.target).not.toBe('two_committees');
    expect(r.states.joint_meeting!.on!['VOTE.NO_QUORUM']).toMatchObject({ target: 'joint_meeting' });
    expect(validateFlow(r)).toEqual([]);
  });

  it('deleteState removes the transitions into it', () => {
    const f = deleteState(mini(), 'rejected');
    expect(f.states.rejected).toBeUndefined();
    expect(f.states.meeting!.on!['VOTE.FAILED']).toBeUndefined();
    expect(Object.keys(f.states.meeting!.on!)).toEqual(['VOTE.PASSED', 'VOTE.NO_QUORUM']);
    // Deleting the initial state moves initial to the first state left.
    expect(deleteState(mini(), 'proposal').initial).toBe('meeting');
    // In an array, only the transitions into it go; one left becomes the bare form.
    let g = addTransition(mini(), 'proposal', 'SUBMIT', { target: 'rejected', guard: 'true' });
    expect(Array.isArray(g.states.proposal!.on!.SUBMIT)).toBe(true);
    g = deleteState(g, 'rejected');
    expect(g.states.proposal!.on!.SUBMIT).toBe('meeting');
  });

  it('addTransition uses the bare form first, then a list', () => {
    let f = addTransition(mini(), 'proposal', 'WITHDRAW', { target: 'rejected' });
    expect(f.states.proposal!.on!.WITHDRAW).toBe('rejected');
    f = addTransition(f, 'proposal', 'WITHDRAW', { target: 'adopted', guard: 'data.x == 1' });
    expect(f.states.proposal!.on!.WITHDRAW).toEqual(['rejected', { target: 'adopted', guard: 'data.x == 1' }]);
    expect(addTransition(f, 'adopted', 'X', { target: 'proposal' })).toBe(f); // a final state takes none
  });

  it('setTransition edits parts, keeps the shortest form, and moves to another event', () => {
    const ref = { source: 'meeting', event: 'VOTE.FAILED', index: 0 };
    let f = setTransition(mini(), ref, { guard: 'vote.for > 3', roles: ['clerk'] });
    expect(f.states.meeting!.on!['VOTE.FAILED']).toEqual({ target: 'rejected', guard: 'vote.for > 3', roles: ['clerk'] });
    f = setTransition(f, ref, { guard: undefined, roles: [] });
    expect(f.states.meeting!.on!['VOTE.FAILED']).toBe('rejected');
    // A new event takes the old one's place when the old had no other transition.
    const g = setTransition(mini(), ref, { event: 'DEADLINE.EXCEEDED' });
    expect(Object.keys(g.states.meeting!.on!)).toEqual(['VOTE.PASSED', 'DEADLINE.EXCEEDED', 'VOTE.NO_QUORUM']);
    // Moving onto an event that exists appends to it.
    const h = setTransition(mini(), ref, { event: 'VOTE.PASSED' });
    expect(h.states.meeting!.on!['VOTE.PASSED']).toEqual(['adopted', 'rejected']);
    expect(getTransition(h, { source: 'meeting', event: 'VOTE.PASSED', index: 1 })).toEqual({ target: 'rejected' });
  });

  it('deleteTransition removes one transition and an empty event', () => {
    const f = deleteTransition(mini(), { source: 'meeting', event: 'VOTE.FAILED', index: 0 });
    expect(f.states.meeting!.on!['VOTE.FAILED']).toBeUndefined();
    const five = frozen(load(FIVE));
    const timers = transitionsOf(five, 'proposal');
    expect(timers.map((t) => t.ref.event)).toContain('SUBMIT');
  });

  it('setStateProps merges, removes with undefined, and changes kind with what the kind needs', () => {
    let f = setStateProps(mini(), 'proposal', { description: { zh: '说明' }, deadline: { duration: 'P5D', calendar: 'working' } });
    expect(f.states.proposal!.deadline).toEqual({ duration: 'P5D', calendar: 'working' });
    f = setStateProps(f, 'proposal', { deadline: undefined });
    expect('deadline' in f.states.proposal!).toBe(false);
    const g = setStateProps(mini(), 'adopted', { kind: 'review' });
    expect(g.states.adopted).toMatchObject({ kind: 'review', title: { zh: '通过' }, on: {} });
    expect(g.states.adopted!.outcome).toBeUndefined();
    const h = setStateProps(mini(), 'proposal', { kind: 'final' });
    expect(h.states.proposal).toEqual({ kind: 'final', type: 'final', title: { zh: '提议', en: 'Proposal' }, outcome: 'completed' });
  });

  it('renames and deletes roles everywhere they are named', () => {
    const f = renameRole(mini(), 'clerk', 'secretary_of_meeting');
    expect(f.states.meeting!.roles).toEqual(['secretary_of_meeting']);
    expect(Object.keys(f.roles)).toContain('secretary_of_meeting');
    expect(validateFlow(f)).toEqual([]);
    const g = renameRole(mini(), 'villager_representative', 'rep');
    expect(g.states.meeting!.vote!.electorate).toBe('rep');
    const h = deleteRole(mini(), 'party_secretary');
    expect(h.starters).toEqual([]);
    expect(h.states.proposal!.roles).toEqual([]);
    // The flow's readers too; a flow without readers does not gain them.
    const r = { ...mini(), readers: ['clerk', 'party_secretary'] };
    expect(renameRole(r, 'clerk', 'minutes').readers).toEqual(['minutes', 'party_secretary']);
    expect(deleteRole(r, 'party_secretary').readers).toEqual(['clerk']);
    expect(renameRole(mini(), 'clerk', 'minutes')).not.toHaveProperty('readers');
  });

  it('copies a flow with a new id and version; bumps versions', () => {
    const c = copyFlow(load(FIVE), 'five-copy');
    expect(c).toMatchObject({ id: 'five-copy', version: '1.0.0' });
    expect(c.title.zh).toContain('副本');
    expect(validateFlow(c)).toEqual([]);
    expect(bumpVersion('1.2.9')).toBe('1.2.10');
  });
});

describe('editor store', () => {
  it('undoes and redoes every document edit, not selection or positions', () => {
    const store = createEditorStore(mini());
    const doc0 = store.getSnapshot().context.doc;
    store.trigger.addState({ id: 'review', state: newState('review', { zh: '审核' }, ['clerk']) });
    expect(store.getSnapshot().context.selection).toEqual({ kind: 'state', id: 'review' });
    store.trigger.renameState({ from: 'review', to: 'township_review' });
    expect(store.getSnapshot().context.selection).toEqual({ kind: 'state', id: 'township_review' });
    store.trigger.move({ id: 'township_review', position: { x: 10, y: 20 } });
    store.trigger.select({ selection: null });
    expect(history(store)).toEqual({ undo: 2, redo: 0 });

    store.trigger.undo();
    expect(Object.keys(store.getSnapshot().context.doc.states)).toContain('review');
    store.trigger.undo();
    expect(store.getSnapshot().context.doc).toBe(doc0);
    expect(store.getSnapshot().context.positions).toEqual({ township_review: { x: 10, y: 20 } });
    expect(history(store)).toEqual({ undo: 0, redo: 2 });
    store.trigger.undo(); // nothing left: no change
    expect(store.getSnapshot().context.doc).toBe(doc0);

    store.trigger.redo();
    store.trigger.redo();
    expect(Object.keys(store.getSnapshot().context.doc.states)).toContain('township_review');
    // A new edit after an undo drops the redo steps.
    store.trigger.undo();
    store.trigger.deleteState({ id: 'rejected' });
    expect(history(store)).toEqual({ undo: 2, redo: 0 });
  });

  it('takes no history step for an edit that changes nothing', () => {
    const store = createEditorStore(mini());
    store.trigger.setStateProps({ id: 'proposal', patch: { title: { zh: '提议', en: 'Proposal' } } });
    store.trigger.renameState({ from: 'proposal', to: 'meeting' });
    store.trigger.deleteSelection();
    expect(history(store).undo).toBe(0);
  });

  it('makes keystrokes in one field one undo step', () => {
    const store = createEditorStore(mini());
    for (const zh of ['提', '提议事', '提议事项']) store.trigger.setStateProps({ id: 'proposal', patch: { title: { zh } }, coalesce: 'title#1' });
    store.trigger.setStateProps({ id: 'meeting', patch: { title: { zh: '会' } }, coalesce: 'title#2' });
    expect(history(store).undo).toBe(2);
    store.trigger.undo();
    expect(store.getSnapshot().context.doc.states.proposal!.title.zh).toBe('提议事项');
    store.trigger.undo();
    expect(store.getSnapshot().context.doc.states.proposal!.title).toEqual({ zh: '提议', en: 'Proposal' });
    store.trigger.redo();
    expect(store.getSnapshot().context.doc.states.proposal!.title.zh).toBe('提议事项');
  });

  it('deletes the selection and drops a selection that undo makes stale', () => {
    const store = createEditorStore(mini());
    store.trigger.select({ selection: { kind: 'transition', ref: { source: 'meeting', event: 'VOTE.FAILED', index: 0 } } });
    store.trigger.deleteSelection();
    expect(store.getSnapshot().context.doc.states.meeting!.on!['VOTE.FAILED']).toBeUndefined();
    expect(store.getSnapshot().context.selection).toBeNull();
    store.trigger.undo();
    expect(store.getSnapshot().context.doc.states.meeting!.on!['VOTE.FAILED']).toBe('rejected');
    store.trigger.addState({ id: 'extra', state: newState('task', { zh: '新' }, ['clerk']) });
    store.trigger.undo();
    expect(store.getSnapshot().context.selection).toBeNull();
    // Selecting something that does not exist selects nothing.
    store.trigger.select({ selection: { kind: 'state', id: 'nope' } });
    expect(store.getSnapshot().context.selection).toBeNull();
  });

  it('follows a transition moved to another event', () => {
    const store = createEditorStore(mini());
    const ref = { source: 'meeting', event: 'VOTE.FAILED', index: 0 };
    store.trigger.select({ selection: { kind: 'transition', ref } });
    store.trigger.setTransition({ ref, patch: { event: 'VOTE.PASSED' } });
    expect(store.getSnapshot().context.selection).toEqual({ kind: 'transition', ref: { source: 'meeting', event: 'VOTE.PASSED', index: 1 } });
  });
});

describe('import and export', () => {
  it('exports an unchanged flow byte for byte, for every bundled flow', () => {
    for (const path of [FIVE, FOUR, 'tests/fixtures/mini.flow.json']) {
      const original = text(path);
      const { doc, baseline } = parseFlowText(original);
      expect(exportText(doc, baseline)).toBe(original);
      // The bundled files are written as the editor writes: 2-space JSON and a final newline.
      if (path.startsWith('flows/')) expect(serialise(doc)).toBe(original);
    }
  });

  it('keeps odd formatting while unchanged, rewrites it on change, and again after undo', () => {
    const odd = `{"id":"mini","version":"1.0.0","title":{"zh":"小"},"roles":{"a":{"zh":"甲"}},"starters":["a"],"data":{"type":"object"},"initial":"s","states":{"s":{"kind":"final","type":"final","title":{"zh":"完"},"outcome":"closed"}}}`;
    const { doc, baseline } = parseFlowText(odd);
    const store = createEditorStore(doc, baseline);
    const out = () => exportText(store.getSnapshot().context.doc, store.getSnapshot().context.baseline);
    expect(out()).toBe(odd);
    store.trigger.setFlowProps({ patch: { version: '1.0.1' } });
    expect(out()).toBe(`${JSON.stringify({ ...JSON.parse(odd), version: '1.0.1' }, null, 2)}\n`);
    store.trigger.undo();
    expect(out()).toBe(odd);
    // An edit and its reverse: the same content again, so the original text again.
    store.trigger.setFlowProps({ patch: { version: '2.0.0' } });
    store.trigger.setFlowProps({ patch: { version: '1.0.0' } });
    expect(out()).toBe(odd);
  });

  it('refuses what is not a flow', () => {
    expect(() => parseFlowText('{')).toThrow(/not JSON/);
    expect(() => parseFlowText('[]')).toThrow(/not a flow/);
    expect(() => parseFlowText('{"id":"x"}')).toThrow(/states/);
  });
});

describe('issues on the canvas', () => {
  it('map a pointer to its state or transition, and a transition to its edge', () => {
    const five = load(FIVE);
    expect(selectionOf(five, '/states/proposal/form/saveTo')).toEqual({ kind: 'state', id: 'proposal' });
    expect(selectionOf(five, '/states/proposal/on/SUBMIT')).toEqual({ kind: 'transition', ref: { source: 'proposal', event: 'SUBMIT', index: 0 } });
    expect(selectionOf(five, '/states/proposal/on/NOPE')).toEqual({ kind: 'state', id: 'proposal' });
    expect(selectionOf(five, '/initial')).toBeNull();
    expect(selectionOf(five, '/states/nope')).toBeNull();
    // Every edge of the diagram's graph has the id transitionKey gives its transition.
    const ids = new Set(flowGraph(five).edges.map((e) => e.id));
    for (const id of Object.keys(five.states)) {
      for (const { ref, t } of transitionsOf(five, id)) if (t.target) expect(ids.has(transitionKey(ref)), transitionKey(ref)).toBe(true);
    }
  });

  it('suggests the event a connection from a kind of step wants', () => {
    const f = mini();
    expect(suggestEvent(f, 'proposal')).toBe('WITHDRAW'); // SUBMIT is taken
    const g = addState(f, 'v2', newState('vote', { zh: '表决' }, ['clerk'], f));
    expect(suggestEvent(g, 'v2')).toBe('VOTE.PASSED');
  });
});
