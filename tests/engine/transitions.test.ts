// engine/transitions.ts: how a flow's transitions are walked and named, for every part that does.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileFlow, EVENT_NAME, transitionKey, transitionsOf, type Flow } from '../../engine/index.ts';

const flow: Flow = JSON.parse(readFileSync(new URL('../../flows/five-deliberations-two-disclosures.flow.json', import.meta.url), 'utf8'));

describe('transitions', () => {
  it('has the event-name pattern of flows/flow.schema.json', () => {
    const schema = JSON.parse(readFileSync(new URL('../../flows/flow.schema.json', import.meta.url), 'utf8'));
    expect(schema.definitions.eventName.pattern).toBe(EVENT_NAME.source);
    expect(EVENT_NAME.test('VOTE.PASSED')).toBe(true);
    expect(EVENT_NAME.test('vote.passed')).toBe(false);
    expect(EVENT_NAME.test('A.B.C')).toBe(false);
  });

  it('walks every transition once, a state at a time, `on` before `after`', () => {
    const all = transitionsOf(flow);
    const perState = Object.keys(flow.states).flatMap((id) => transitionsOf(flow, id));
    expect(perState).toEqual(all);
    expect(new Set(all.map((x) => transitionKey(x.ref))).size).toBe(all.length);
    expect(transitionsOf(flow, 'no_such_state')).toEqual([]);
    const timers = all.filter((x) => x.ref.event === 'after');
    for (const x of timers) expect(transitionKey(x.ref)).toBe(`${x.ref.source}:after:${x.ref.duration}`);
  });

  it('names a transition as the compiled machine records it taken', () => {
    const compiled = compileFlow(flow);
    const keys = new Set([...compiled.states.values()].flatMap((s) => [...s.events.values()].flat().map((t) => t.key)));
    for (const { ref } of transitionsOf(flow)) if (ref.event !== 'after') expect(keys.has(transitionKey(ref)), transitionKey(ref)).toBe(true);
  });
});
