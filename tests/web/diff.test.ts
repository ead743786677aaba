// The audit replay's "what changed" panel: a structural diff of an instance's data.
import { describe, expect, it } from 'vitest';
import { diffData, splitContainers } from '../../designer/audit/diff.ts';

describe('diffData', () => {
  it('finds nothing between equal values, whatever the key order', () => {
    expect(diffData({}, {})).toEqual([]);
    expect(diffData({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toEqual([]);
    expect(diffData(null, null)).toEqual([]);
  });

  it('reports a value that appears as a whole as one addition', () => {
    const proposal = { subject: '硬化村东组通组道路', budget: 386000 };
    expect(diffData({}, { proposal })).toEqual([{ kind: 'added', path: '/proposal', after: proposal }]);
  });

  it('walks into objects present on both sides, down to the changed leaves', () => {
    const before = { proposal: { subject: 'road', budget: 100, note: 'x' }, votes: {} };
    const after = { proposal: { subject: 'road', budget: 120, revision_note: 'cheaper' }, votes: { two_committees: { for: 5 } } };
    expect(diffData(before, after)).toEqual([
      { kind: 'changed', path: '/proposal/budget', before: 100, after: 120 },
      { kind: 'added', path: '/proposal/revision_note', after: 'cheaper' },
      { kind: 'removed', path: '/proposal/note', before: 'x' },
      { kind: 'added', path: '/votes/two_committees', after: { for: 5 } },
    ]);
  });

  it('compares arrays by index', () => {
    expect(diffData({ a: [1, 2, 3] }, { a: [1, 5] })).toEqual([
      { kind: 'changed', path: '/a/1', before: 2, after: 5 },
      { kind: 'removed', path: '/a/2', before: 3 },
    ]);
    expect(diffData([], ['x'])).toEqual([{ kind: 'added', path: '/0', after: 'x' }]);
  });

  it('treats a change of type as a change of the whole value', () => {
    expect(diffData({ a: { b: 1 } }, { a: [1] })).toEqual([{ kind: 'changed', path: '/a', before: { b: 1 }, after: [1] }]);
    expect(diffData({ a: null }, { a: 0 })).toEqual([{ kind: 'changed', path: '/a', before: null, after: 0 }]);
    expect(diffData({ a: '1' }, { a: 1 })).toEqual([{ kind: 'changed', path: '/a', before: '1', after: 1 }]);
  });

  it('escapes keys as RFC 6901 pointer tokens', () => {
    expect(diffData({}, { 'a/b': { '~c': 1 } })).toEqual([{ kind: 'added', path: '/a~1b', after: { '~c': 1 } }]);
    expect(diffData({ 'a/b': { '~c': 1 } }, { 'a/b': { '~c': 2 } })).toEqual([{ kind: 'changed', path: '/a~1b/~0c', before: 1, after: 2 }]);
  });

  it('treats undefined as absent and handles whole-value additions and removals', () => {
    expect(diffData({ a: undefined }, {})).toEqual([]);
    expect(diffData(undefined, { a: 1 })).toEqual([{ kind: 'added', path: '', after: { a: 1 } }]);
    expect(diffData({ a: 1 }, undefined)).toEqual([{ kind: 'removed', path: '', before: { a: 1 } }]);
  });
});

describe('splitContainers', () => {
  const vote = { for: 5, present: 6 };
  const isContainer = (path: string) => path === '' || path === '/votes';
  it('splits a container that appeared or disappeared into its members', () => {
    const entries = diffData({ proposal: { a: 1 } }, { proposal: { a: 1 }, votes: { two_committees: vote, party: vote } });
    expect(splitContainers(entries, isContainer)).toEqual([
      { kind: 'added', path: '/votes/two_committees', after: vote },
      { kind: 'added', path: '/votes/party', after: vote },
    ]);
    expect(splitContainers(diffData({ votes: { x: vote } }, {}), isContainer)).toEqual([{ kind: 'removed', path: '/votes/x', before: vote }]);
  });
  it('splits recursively from the root and leaves units, changes and empty containers alone', () => {
    expect(splitContainers(diffData(undefined, { votes: { x: vote }, proposal: { a: 1 } }), isContainer)).toEqual([
      { kind: 'added', path: '/votes/x', after: vote },
      { kind: 'added', path: '/proposal', after: { a: 1 } },
    ]);
    expect(splitContainers([{ kind: 'added', path: '/votes', after: {} }], isContainer)).toEqual([{ kind: 'added', path: '/votes', after: {} }]);
    const changed = { kind: 'changed' as const, path: '/votes', before: 1, after: { x: 1 } };
    expect(splitContainers([changed], isContainer)).toEqual([changed]);
  });
});
