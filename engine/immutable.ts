// Copy-on-write updates of the plain JSON records in an instance's context and data: each gives
// exactly what the spread it replaces gives (same keys, same order), measured faster on Node 20.

/**
 * `{ ...record, ...extra }` for an `extra` the engine writes itself (no "__proto__" key).
 *
 * Why not the spread: in Node 20's V8, optimised code that spreads an object and then adds named
 * properties (`{ ...rule, count, base, met }`) gives every result a hidden class of its own. Each
 * such object costs about a microsecond instead of tens of nanoseconds, and every later reader of
 * those objects (XState, the canonical JSON, the host) goes megamorphic. Object.assign onto a
 * fresh object keeps shared hidden classes. The one key assignment treats differently from a
 * spread, "__proto__" (a setter on Object.prototype), sends `record` through the spread.
 */
export function withKeys<T extends object, E extends object>(record: T, extra: E): T & E {
  if (Object.hasOwn(record, '__proto__')) return { ...record, ...extra };
  return Object.assign({}, record, extra);
}

/**
 * `{ ...record, [key]: value }`. (A computed key after the spread does not hit the slow path
 * above; this spread measured as fast as any alternative, and fastest for big records such as
 * a meeting's ballots.)
 */
export function withKey<T extends object>(record: T, key: string, value: unknown): T {
  return { ...record, [key]: value };
}

/**
 * A spread copy of `record` with `keys` deleted, or `record` itself when none of them is there:
 * the context is immutable, so an unchanged part is shared, as XState shares every part of the
 * context an assign leaves alone. (Leaving a state without timers no longer copies its timers.)
 */
export function withoutKeys<T extends object>(record: T, keys: readonly string[]): T {
  if (!keys.some((key) => Object.hasOwn(record, key))) return record;
  const copy = { ...record } as Record<string, unknown>;
  for (const key of keys) delete copy[key];
  return copy as T;
}

/** `withoutKeys(record, [key])`, without the array. */
export function withoutKey<T extends object>(record: T, key: string): T {
  if (!Object.hasOwn(record, key)) return record;
  const copy = { ...record } as Record<string, unknown>;
  delete copy[key];
  return copy as T;
}
