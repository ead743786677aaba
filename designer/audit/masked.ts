// The shape the server sends in place of a personal value (server/matters/personal.ts MaskedValue): a mask,
// read as one value wherever data is shown, compared or turned back into a form.

export interface Masked {
  $personal: string;
  kind: 'name' | 'id' | 'contact' | 'address' | 'health' | 'finance' | null;
  /** Null once the value was erased. */
  masked: string | null;
}

export function isMasked(value: unknown): value is Masked {
  return value !== null && typeof value === 'object' && typeof (value as Masked).$personal === 'string';
}

/** `value` without its masked personal values: a form starts with them empty, to be entered again. */
export function withoutMasked(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMasked);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => !isMasked(v)).map(([k, v]) => [k, withoutMasked(v)]));
}
