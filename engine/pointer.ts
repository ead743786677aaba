// RFC 6901 JSON pointers over plain JSON values; writes copy the path so snapshots stay immutable.
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`JSON pointer must start with "/": ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

// getAt and setAt run on every form submission, review and disclosure with the flow's own
// pointers (saveTo, publish): parse each once. Private, so nothing can modify a cached array.
const parsed = new Map<string, readonly string[]>();
function keysOf(pointer: string): readonly string[] {
  let keys = parsed.get(pointer);
  if (!keys) {
    keys = parsePointer(pointer);
    if (parsed.size >= 10_000) parsed.clear();
    parsed.set(pointer, keys);
  }
  return keys;
}

export function escapeToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function getAt(value: unknown, pointer: string): unknown {
  let cur: unknown = value;
  for (const key of keysOf(pointer)) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

export function setAt<T extends Record<string, unknown>>(root: T, pointer: string, value: unknown): T {
  const keys = keysOf(pointer);
  if (keys.length === 0) return value as T;
  return writeAt(root, keys, 0, value) as T;
}

// A module function, not a closure in setAt: tsx, which runs the server, names every closure it
// creates with a defineProperty call, and that cost about a microsecond per event in GC work.
function writeAt(node: unknown, keys: readonly string[], i: number, value: unknown): Record<string, unknown> {
  const base = node !== null && typeof node === 'object' && !Array.isArray(node) ? (node as Record<string, unknown>) : {};
  const key = keys[i]!;
  return { ...base, [key]: i === keys.length - 1 ? value : writeAt(base[key], keys, i + 1, value) };
}
