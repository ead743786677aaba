// The engine's own canonical JSON must be byte-for-byte the `canonicalize` package's (RFC 8785):
// same text for every value, and an error wherever the reference throws. And an injected SHA-256
// must agree with @noble/hashes or be refused.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { canonicalJson, hashJson, hashRecord, setSha256, type UnsignedRecord } from '../../engine/hash.ts';

function reference(value: unknown): { text: string } | { error: true } {
  try {
    const text = canonicalize(value);
    if (text === undefined) return { error: true };
    return { text };
  } catch {
    return { error: true };
  }
}
function ours(value: unknown): { text: string } | { error: true } {
  try {
    return { text: canonicalJson(value) };
  } catch {
    return { error: true };
  }
}

describe('canonicalJson', () => {
  it('matches canonicalize on JSON values', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      expect(ours(v)).toEqual(reference(v));
    }), { numRuns: 3000 });
  });
  it('matches canonicalize on arbitrary JavaScript values', () => {
    const strings = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.constantFrom('\ud800', 'a\udc00b', '\\ud800', '\u2028', '~/'));
    const anything = fc.anything({
      key: strings,
      values: [strings, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.constant(-0)],
      withBoxedValues: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withSparseArray: true,
      withDate: true,
      withTypedArray: true,
      withObjectString: true,
    });
    fc.assert(fc.property(anything, (v) => {
      expect(ours(v)).toEqual(reference(v));
    }), { numRuns: 5000 });
  });
  it('matches canonicalize on the edge cases by hand', () => {
    const fn = () => 1;
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    let deep: unknown = 'bottom';
    for (let i = 0; i < 300; i++) deep = i % 2 ? [deep] : { k: deep };
    const shared = { x: 1 };
    const cases: unknown[] = [
      undefined, null, -0, 1e21, 1e-7, 0.1 + 0.2, NaN, Infinity, 10n, Symbol('s'), fn,
      [undefined, fn, Symbol('s')], { a: undefined, b: fn, c: Symbol('s'), d: 1 }, [, 1], new Date(0),
      { toJSON: () => ({ z: 1, a: 2 }) }, { '\ud800': 1 }, ['\udfff'], '\\ud800', { 10: 'a', 2: 'b', b: 'c', A: 'd', é: 1, '': 0 },
      cyclic, deep, [shared, shared], Object.create({ inherited: 1 }),
    ];
    for (const v of cases) expect(ours(v)).toEqual(reference(v));
  });
});

const hashOf = (f: () => string) => {
  try {
    return f();
  } catch {
    return 'throws';
  }
};

describe('hashRecord', () => {
  it('is hashJson of the record', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('\ud800', 'TIMER', '2026-03-02T01:00:00.000Z'));
    const record = fc.record({
      seq: fc.oneof(fc.nat(), fc.double()),
      type: text,
      actor: fc.oneof(fc.record({ id: text, role: text }), fc.record({ id: text, role: text, extra: fc.jsonValue() }), fc.constant(null)),
      at: text,
      payload: fc.oneof(fc.dictionary(text, fc.jsonValue()), fc.constant(undefined)),
      state: text,
      prev: fc.oneof(fc.constant(null), text),
    });
    fc.assert(
      fc.property(record, (r) => {
        expect(hashOf(() => hashRecord(r as UnsignedRecord))).toBe(hashOf(() => hashJson(r)));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('setSha256', () => {
  const node = (text: string) => createHash('sha256').update(text).digest('hex');
  it('gives the same digests with node:crypto as with @noble/hashes', () => {
    const values = [{ 村: '五议两公开', n: [1, 2.5, null], e: '🏡' }, 'x'.repeat(10_000), {}];
    const noble = values.map(hashJson);
    setSha256(node);
    try {
      expect(values.map(hashJson)).toEqual(noble);
    } finally {
      setSha256();
    }
    expect(values.map(hashJson)).toEqual(noble);
  });
  it('refuses an implementation that is not SHA-256 of UTF-8', () => {
    expect(() => setSha256((t) => createHash('sha256').update(t, 'latin1').digest('hex'))).toThrow(/SHA-256/);
    expect(() => setSha256((t) => node(t).toUpperCase())).toThrow(/SHA-256/);
    expect(hashJson('abc')).toBe(node('"abc"'));
  });
});
