// Adding a timer (`after`) transition in the flow designer: what is refused and why, the shortest
// form written (a bare target for natural days), the input left unchanged, the flow still valid,
// the canvas drawing the new edge, and the store's undo taking it back as one step.
import { describe, expect, it } from 'vitest';
import { transitionsOf, validateFlow, type Flow } from '../../engine/index.ts';
import { addState, addTimer, addTransition, blankFlow, getTransition, newState, setFlowProps, setStateProps, timerProblem, type NewTimer } from '../../designer/editor/edits.ts';
import { createEditorStore, history } from '../../designer/editor/store.ts';
import { flowGraph } from '../../designer/diagram/graph.ts';

function frozen<T>(v: T): T {
  if (v && typeof v === 'object') {
    Object.freeze(v);
    for (const c of Object.values(v)) frozen(c);
  }
  return v;
}

/** proposal → review (approve) → done; review can also be left to time out. */
function flow(): Flow {
  let f = blankFlow('timer-test');
  f = addState(f, 'review', newState('review', { zh: '审核' }, ['committee_member']));
  f = addState(f, 'done', newState('final', { zh: '办结' }, []));
  f = setStateProps(f, 'proposal', { form: { schema: { type: 'object', properties: { subject: { type: 'string', title: '事项' } } }, saveTo: '/proposal' } });
  f = setFlowProps(f, { data: { type: 'object', properties: { proposal: { type: 'object' } } } });
  f = addTransition(f, 'proposal', 'SUBMIT', { target: 'review' });
  f = addTransition(f, 'review', 'APPROVE', { target: 'done' });
  return frozen(f);
}
const timer = (over: Partial<NewTimer> = {}): NewTimer => ({ duration: 'P7D', calendar: 'natural', target: 'done', ...over });

describe('timerProblem', () => {
  it('accepts a whole number of days, weeks or hours to an existing step', () => {
    expect(timerProblem(flow(), 'review', timer())).toBeNull();
    expect(timerProblem(flow(), 'review', timer({ duration: 'P2W' }))).toBeNull();
    expect(timerProblem(flow(), 'review', timer({ duration: 'PT72H' }))).toBeNull();
    expect(timerProblem(flow(), 'review', timer({ duration: 'P5D', calendar: 'working' }))).toBeNull();
  });

  it('names what is wrong', () => {
    expect(timerProblem(flow(), 'done', timer())).toBe('final');
    expect(timerProblem(flow(), 'nowhere', timer())).toBe('final');
    expect(timerProblem(flow(), 'review', timer({ target: '' }))).toBe('noTarget');
    expect(timerProblem(flow(), 'review', timer({ target: 'gone' }))).toBe('unknownTarget');
    expect(timerProblem(flow(), 'review', timer({ duration: '7 days' }))).toBe('duration');
    expect(timerProblem(flow(), 'review', timer({ duration: 'P0D' }))).toBe('duration');
    expect(timerProblem(flow(), 'review', timer({ duration: 'P1W', calendar: 'working' }))).toBe('workingDays');
    expect(timerProblem(flow(), 'review', timer({ duration: 'PT8H', calendar: 'working' }))).toBe('workingDays');
    const once = addTimer(flow(), 'review', timer());
    expect(timerProblem(once, 'review', timer({ target: 'proposal' }))).toBe('taken');
  });
});

describe('addTimer', () => {
  it('writes natural days as a bare target and working days with their calendar; the flow validates', () => {
    const before = flow();
    const one = addTimer(before, 'review', timer());
    expect(one.states.review!.after).toEqual({ P7D: 'done' });
    const two = addTimer(one, 'review', timer({ duration: 'P3D', calendar: 'working', target: 'proposal' }));
    expect(two.states.review!.after).toEqual({ P7D: 'done', P3D: { target: 'proposal', calendar: 'working' } });
    expect(validateFlow(two)).toEqual([]);
    // Untouched input; other states shared, not copied.
    expect(before.states.review!.after).toBeUndefined();
    expect(two.states.proposal).toBe(before.states.proposal);
    // As the inspector lists it and the canvas draws it.
    expect(transitionsOf(two, 'review').filter((x) => x.ref.event === 'after').map((x) => [x.ref.duration, x.t.target])).toEqual([
      ['P7D', 'done'],
      ['P3D', 'proposal'],
    ]);
    expect(getTransition(two, { source: 'review', event: 'after', index: 0, duration: 'P3D' })).toEqual({ target: 'proposal' });
    const edges = flowGraph(two).edges.map((e) => e.id);
    expect(edges).toContain('review:after:P7D');
    expect(edges).toContain('review:after:P3D');
  });

  it('changes nothing when refused', () => {
    const f = flow();
    expect(addTimer(f, 'review', timer({ target: '' }))).toBe(f);
    expect(addTimer(f, 'done', timer())).toBe(f);
    expect(addTimer(f, 'review', timer({ duration: 'P1W', calendar: 'working' }))).toBe(f);
    const once = addTimer(f, 'review', timer());
    expect(addTimer(once, 'review', timer({ target: 'proposal' }))).toBe(once);
  });

  it('is one undoable step in the editor store', () => {
    const store = createEditorStore(flow());
    store.trigger.addTimer({ source: 'review', timer: timer() });
    expect(store.getSnapshot().context.doc.states.review!.after).toEqual({ P7D: 'done' });
    expect(history(store)).toEqual({ undo: 1, redo: 0 });
    // A refused one is no step at all.
    store.trigger.addTimer({ source: 'review', timer: timer({ target: 'proposal' }) });
    expect(history(store)).toEqual({ undo: 1, redo: 0 });
    store.trigger.undo();
    expect(store.getSnapshot().context.doc.states.review!.after).toBeUndefined();
    store.trigger.redo();
    expect(store.getSnapshot().context.doc.states.review!.after).toEqual({ P7D: 'done' });
  });
});
