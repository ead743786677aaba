// Equality of JSON values: the one home for it (flow diffs, the editor's no-op and unsaved checks,
// the audit's data diff, re-executed history records). Built on dequal; what it adds is JSON's
// reading of `undefined`: a key whose value is undefined is absent, as JSON.stringify drops it.
import { dequal } from 'dequal/lite';

function hasUndefined(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(hasUndefined);
  for (const v of Object.values(value)) if (v === undefined || hasUndefined(v)) return true;
  return false;
}

function withoutUndefined(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = withoutUndefined(v);
  return out;
}

/**
 * Whether two JSON values are equal: key order ignored, a key whose value is undefined taken as
 * absent (`{ a: 1, b: undefined }` equals `{ a: 1 }`). Values that are not JSON (a Date, a Map)
 * compare as dequal compares them.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (dequal(a, b)) return true;
  return (hasUndefined(a) || hasUndefined(b)) && dequal(withoutUndefined(a), withoutUndefined(b));
}
