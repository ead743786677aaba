// The engine keeps the XState snapshot behind the last snapshot it returned (compiled.hot), so a
// run continues without rebuilding it. Every other way to hold a snapshot must give the very same
// step: a copy loaded from storage, a frozen one, an older one, another instance's in between.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apply, compileFlow, simulate, verify, type FlowEvent, type InstanceSnapshot, type StepResult } from '../../engine/index.ts';

const flow = JSON.parse(readFileSync('flows/five-deliberations-two-disclosures.flow.json', 'utf8'));
const run = JSON.parse(readFileSync('flows/runs/five-deliberations-two-disclosures.happy-path.run.json', 'utf8')) as { events: FlowEvent[] };

const deepFreeze = <T,>(value: T): T => {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
};
const json = (step: StepResult) => JSON.stringify(step);

describe('the hot snapshot', () => {
  it('gives the same steps as stored, frozen, older or interleaved snapshots', () => {
    const compiled = compileFlow(flow);
    const steps = simulate(compiled, run.events);
    const other = compileFlow(flow);
    const otherSteps = simulate(other, run.events.slice(0, 3));
    for (let i = 1; i < run.events.length; i++) {
      const event = run.events[i]!;
      const prev = steps[i - 1]!.snapshot;
      const expected = json(steps[i]!);
      const stored = JSON.parse(JSON.stringify(prev)) as InstanceSnapshot;
      expect(json(apply(compiled, stored, event))).toBe(expected);
      expect(json(apply(compiled, deepFreeze(structuredClone(prev)), event))).toBe(expected);
      // prev is no longer the hot snapshot: the steps above replaced it.
      expect(json(apply(compiled, prev, event))).toBe(expected);
      // Another instance of the same flow version, advanced in between.
      apply(compiled, otherSteps[1]!.snapshot, run.events[2]!);
      expect(json(apply(compiled, prev, event))).toBe(expected);
    }
  });

  it('verifies stored and engine-made chains alike', () => {
    const compiled = compileFlow(flow);
    const records = simulate(compiled, run.events).map((s) => s.record);
    const stored = JSON.parse(JSON.stringify(records));
    expect(verify(compiled, records)).toEqual(verify(compiled, stored));
    expect(verify(compileFlow(flow), stored, { head: records.at(-1)!.hash })).toEqual({ ok: true, count: records.length, head: records.at(-1)!.hash });
  });
});
