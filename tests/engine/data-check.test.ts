// Instance data is re-validated only where it changed when the flow knows the rest is valid
// (propertyCheck): that shortcut may only ever say "valid" when validating everything would, and
// an event whose data is invalid must fail exactly as before.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { apply, compileFlow, EngineError, simulate, start, type FlowEvent } from '../../engine/index.ts';
import { propertyCheck } from '../../engine/forms.ts';

const mini = JSON.parse(readFileSync('tests/fixtures/mini.flow.json', 'utf8'));
const clerk = { id: 'c1', roles: ['clerk'] };

/** The mini flow, with a data schema stricter than its form: budgets over 100,000 are not allowed. */
function strictMini() {
  const flow = structuredClone(mini);
  flow.data = {
    type: 'object',
    additionalProperties: false,
    properties: { proposal: { $ref: '#/$defs/proposal' }, vote: { type: 'object' }, review: { type: 'object' } },
    $defs: { proposal: { type: 'object', properties: { budget: { type: 'number', maximum: 100_000 } } } },
  };
  return compileFlow(flow);
}

describe('data validation after an event', () => {
  it('fails an event that makes the data invalid, from a hot or a stored snapshot alike', () => {
    const compiled = strictMini();
    const started = start(compiled, { type: 'START', actor: clerk, at: '2026-03-02T09:00:00+08:00' });
    const submit: FlowEvent = { type: 'SUBMIT', actor: clerk, at: '2026-03-02T10:00:00+08:00', payload: { subject: 'road', budget: 200_000 } };
    const fromHot = (() => {
      try {
        apply(compiled, started.snapshot, submit);
      } catch (error) {
        return error as EngineError;
      }
    })();
    const fromStored = (() => {
      try {
        apply(compiled, JSON.parse(JSON.stringify(started.snapshot)), submit);
      } catch (error) {
        return error as EngineError;
      }
    })();
    expect(fromHot).toBeInstanceOf(EngineError);
    expect(fromHot!.code).toBe('DATA_INVALID');
    expect({ message: fromHot!.message, issues: fromHot!.issues }).toEqual({ message: fromStored!.message, issues: fromStored!.issues });
    // And within the limit it passes.
    const ok = apply(compiled, started.snapshot, { ...submit, payload: { subject: 'road', budget: 90_000 } });
    expect(ok.snapshot.context.data).toEqual({ proposal: { subject: 'road', budget: 90_000 } });
  });

  it('splits only the schemas it can', () => {
    expect(propertyCheck({ type: 'object', properties: { a: { type: 'string' } } })).not.toBeNull();
    expect(propertyCheck({ type: 'object', properties: { a: { $ref: '#' } } })).toBeNull();
    expect(propertyCheck({ type: 'object', properties: { a: { $ref: '#/properties/b' } }, $defs: {} })).toBeNull();
    expect(propertyCheck({ type: 'object', properties: {}, patternProperties: { x: {} } })).toBeNull();
    expect(propertyCheck({ type: 'object', properties: {}, additionalProperties: { type: 'string' } })).toBeNull();
    expect(propertyCheck({ type: 'object', properties: {}, if: {}, then: {} })).toBeNull();
    expect(propertyCheck({ $id: 'x', type: 'object', properties: {} })).toBeNull();
  });

  it('never calls changed data valid when the whole schema does not (every bundled flow)', () => {
    for (const file of readdirSync('flows').filter((f) => f.endsWith('.flow.json'))) {
      const flow = JSON.parse(readFileSync(`flows/${file}`, 'utf8'));
      const compiled = compileFlow(flow);
      const valid = readdirSync('flows/runs')
        .filter((f) => f.startsWith(`${flow.id}.`))
        .flatMap((f) => simulate(compiled, JSON.parse(readFileSync(`flows/runs/${f}`, 'utf8')).events).map((s) => s.snapshot.context.data));
      const keys = Object.keys(flow.data.properties ?? {});
      const change = fc.tuple(
        fc.constantFrom(...valid),
        fc.constantFrom(...keys, 'unknown_key'),
        fc.oneof(fc.jsonValue(), fc.constantFrom(...valid).map((d) => Object.values(d)[0] ?? null)),
      );
      fc.assert(
        fc.property(change, ([prev, key, value]) => {
          expect(compiled.validateData(prev)).toEqual([]);
          const next = { ...prev, [key]: value };
          if (compiled.dataStaysValid(prev, next)) expect(compiled.validateData(next)).toEqual([]);
        }),
        { numRuns: 500 },
      );
    }
  });
});
