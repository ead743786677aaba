// What changed between two snapshots of an instance's data: a small structural diff over plain
// JSON values. Objects are compared key by key and arrays index by index, down to the first
// difference; a value that appears or disappears as a whole (a submitted form, a meeting's
// result) is one entry, not one per leaf, so the reader sees it as the unit it was recorded as.
import { escapeToken } from '../../engine/index.ts';
import { isMasked } from './masked.ts';

export type DiffKind = 'added' | 'changed' | 'removed';

export interface DiffEntry {
  kind: DiffKind;
  /** RFC 6901 JSON pointer of the value inside `data` ('' for the whole value). */
  path: string;
  /** The value before (changed, removed). */
  before?: unknown;
  /** The value after (added, changed). */
  after?: unknown;
}

/** A plain object to compare key by key (a masked personal value is one value, not an object). */
function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !isMasked(v);
}

/**
 * The differences from `before` to `after`, in document order: keys of `after` first (in their
 * order), then keys only `before` had. An `undefined` value counts as absent.
 */
export function diffData(before: unknown, after: unknown, path = ''): DiffEntry[] {
  if (before === undefined && after === undefined) return [];
  if (before === undefined) return [{ kind: 'added', path, after }];
  if (after === undefined) return [{ kind: 'removed', path, before }];
  if (isObject(before) && isObject(after)) {
    const out: DiffEntry[] = [];
    for (const key of Object.keys(after)) out.push(...diffData(before[key], after[key], `${path}/${escapeToken(key)}`));
    for (const key of Object.keys(before)) {
      if (!Object.hasOwn(after, key)) out.push(...diffData(before[key], undefined, `${path}/${escapeToken(key)}`));
    }
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: DiffEntry[] = [];
    const n = Math.max(before.length, after.length);
    for (let i = 0; i < n; i++) out.push(...diffData(before[i], after[i], `${path}/${i}`));
    return out;
  }
  // Scalars, a masked value (equal only to itself), or values of different shapes.
  return before === after ? [] : [{ kind: 'changed', path, before, after }];
}

/**
 * Splits a whole-value addition or removal of a mere container (say `/votes`, which only holds
 * meetings' results) into one entry per member, recursively, while `isContainer` says so.
 */
export function splitContainers(entries: DiffEntry[], isContainer: (path: string, value: unknown) => boolean): DiffEntry[] {
  return entries.flatMap((entry) => {
    if (entry.kind === 'changed') return [entry];
    const value = entry.kind === 'added' ? entry.after : entry.before;
    if (!isObject(value) || !isContainer(entry.path, value)) return [entry];
    const members: DiffEntry[] = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([key, v]) => (entry.kind === 'added' ? { kind: 'added', path: `${entry.path}/${escapeToken(key)}`, after: v } : { kind: 'removed', path: `${entry.path}/${escapeToken(key)}`, before: v }));
    return members.length ? splitContainers(members, isContainer) : [entry];
  });
}
