// engine/json.ts: the one JSON equality (flow diffs, the editor, the audit, re-executed records).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson, sameJson } from '../../engine/index.ts';

describe('sameJson', () => {
  it('says two JSON values are the same exactly when their canonical JSON is', () => {
    const pair = fc.jsonValue().chain((a) => fc.oneof(fc.constant([a, structuredClone(a)]), fc.tuple(fc.constant(a), fc.jsonValue())));
    fc.assert(
      fc.property(pair, ([a, b]) => {
        expect(sameJson(a, b)).toBe(canonicalJson(a) === canonicalJson(b));
      }),
      { numRuns: 3000 },
    );
  });
  it('compares deeply, whatever the key order, and tells arrays from objects', () => {
    expect(sameJson({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 })).toBe(true);
    expect(sameJson({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] })).toBe(false);
    expect(sameJson([1], { 0: 1 })).toBe(false);
    expect(sameJson({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
  });
  it('takes a key whose value is undefined as absent, at any depth, as JSON does', () => {
    expect(sameJson({ a: undefined }, {})).toBe(true);
    expect(sameJson({ t: [{ target: 'b', guard: undefined }] }, { t: [{ target: 'b' }] })).toBe(true);
    expect(sameJson({ a: undefined, b: 1 }, { b: 2 })).toBe(false);
    expect(sameJson({ a: undefined }, { a: null })).toBe(false);
  });
});
