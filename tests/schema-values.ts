// Values around a JSON Schema, for property tests that hold two validators to each other: often of
// the schema's shape (so deeper keywords are reached: lengths, formats, choices, nested fields),
// often not (wrong types, extra keys, missing fields).
import fc from 'fast-check';

type Schema = Record<string, unknown>;

function resolve(root: Schema, schema: Schema): Schema {
  let s = schema;
  for (let i = 0; i < 8 && typeof s.$ref === 'string'; i++) {
    s = s.$ref
      .slice(2)
      .split('/')
      .reduce<unknown>((node, key) => (node as Schema)[key], root) as Schema;
  }
  return s;
}

const dates = fc.constantFrom('2026-03-02', '2026-02-30', '2026-13-01', '2026-3-2', '2026-03-02T09:00:00+08:00', '2026-03-02T09:00:00', '2026-03-02 09:00:00Z', '');

/** Values around a schema: often of its shape (so deeper keywords are reached), often not. */
export function around(root: Schema, schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(root, schema);
  const junk = fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 4 }), fc.constant([]), fc.constant({}));
  const choices = [...((s.oneOf ?? s.anyOf ?? []) as Schema[]).map((o) => o.const), ...((s.enum as unknown[]) ?? []), s.const].filter((v) => v !== undefined);
  const shaped: fc.Arbitrary<unknown>[] = [];
  if (choices.length) shaped.push(fc.constantFrom(...choices));
  const types = Array.isArray(s.type) ? s.type : [s.type];
  if (types.includes('string')) shaped.push(s.format ? dates : fc.string({ unit: fc.constantFrom('a', '村', '😀', ' ', '-'), maxLength: typeof s.maxLength === 'number' ? s.maxLength + 2 : 12 }));
  if (types.includes('number') || types.includes('integer')) shaped.push(fc.oneof(fc.integer({ min: -3, max: 1_000_000 }), fc.double({ min: -10, max: 1e6, noNaN: true })));
  if (types.includes('boolean')) shaped.push(fc.boolean());
  if (types.includes('array') && depth < 4) {
    const items = s.items && typeof s.items === 'object' && !Array.isArray(s.items) ? around(root, s.items as Schema, depth + 1) : junk;
    shaped.push(fc.array(fc.oneof(items, items, junk), { maxLength: typeof s.maxItems === 'number' ? s.maxItems + 1 : 4 }));
  }
  if ((types.includes('object') || s.properties) && depth < 4) {
    const props = (s.properties ?? {}) as Record<string, Schema>;
    const record = fc.record(Object.fromEntries(Object.entries(props).map(([k, sub]) => [k, around(root, sub, depth + 1)])), { requiredKeys: [] });
    shaped.push(fc.tuple(record, fc.option(fc.constantFrom('extra', 'note', '__x'), { freq: 4 }), junk).map(([r, extra, v]) => (extra ? { ...r, [extra]: v } : r)));
  }
  return shaped.length ? fc.oneof({ arbitrary: fc.oneof(...shaped), weight: 5 }, { arbitrary: junk, weight: 1 }) : junk;
}
