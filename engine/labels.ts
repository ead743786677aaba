// Reading an instance's data the way its flow describes it: the title of the value a JSON pointer
// names (from the data schema's titles, or the step that saves there), and the title of an
// enumerated value (a oneOf const). Used by the public board and the web app alike.
import { parsePointer } from './pointer.ts';
import type { Flow, JsonSchema, Text } from './types.ts';

function resolveRef(root: JsonSchema, schema: JsonSchema | undefined): JsonSchema | undefined {
  for (let guard = 0; guard < 10; guard++) {
    const ref = schema?.$ref;
    if (typeof ref !== 'string' || !ref.startsWith('#/')) return schema;
    let node: unknown = root;
    for (const key of parsePointer(ref.slice(1))) node = (node as Record<string, unknown> | undefined)?.[key];
    schema = node as JsonSchema | undefined;
  }
  return schema;
}

/** The part of `root` (a data or form schema) that describes the value at `pointer`, or undefined where it does not say. */
export function subschemaAt(root: JsonSchema, pointer: string): JsonSchema | undefined {
  let schema: JsonSchema | undefined = resolveRef(root, root);
  for (const key of parsePointer(pointer)) {
    const props = schema?.properties as Record<string, JsonSchema> | undefined;
    const items = schema?.items as JsonSchema | undefined;
    schema = resolveRef(root, props?.[key] ?? (/^\d+$/.test(key) ? items : undefined));
    if (!schema) return undefined;
  }
  return schema;
}

/** The data schema of the value at `pointer`, or undefined where the schema does not say. */
export function schemaAt(flow: Flow, pointer: string): JsonSchema | undefined {
  return subschemaAt(flow.data, pointer);
}

export function titleOf(schema: JsonSchema | undefined): Text | undefined {
  if (typeof schema?.title !== 'string') return undefined;
  const en = (schema['x-en'] as { title?: unknown } | undefined)?.title;
  return typeof en === 'string' ? { zh: schema.title, en } : { zh: schema.title };
}

/** Where a step saves what it records: a form, a meeting's result, a review's decision. */
function savedBy(flow: Flow, pointer: string): Text | undefined {
  for (const state of Object.values(flow.states)) {
    if (state.vote?.saveTo === pointer) return state.vote.body;
    if (state.form?.saveTo === pointer || state.review?.saveTo === pointer) return state.title;
  }
  return undefined;
}

/** The title of the value at `pointer`: the schema's title, else the step that saves it there. */
export function labelAt(flow: Flow, pointer: string): Text | undefined {
  return titleOf(schemaAt(flow, pointer)) ?? savedBy(flow, pointer);
}

/** Titles of a choice's options (oneOf of consts) by value, or null when it is no choice. */
export function optionTitles(schema: JsonSchema | undefined): Record<string, Text> | null {
  const options = (schema?.oneOf ?? schema?.anyOf) as JsonSchema[] | undefined;
  if (!Array.isArray(options)) return null;
  const out: Record<string, Text> = {};
  for (const o of options) {
    const t = titleOf(o);
    if (o && 'const' in o && t) out[String(o.const)] = t;
  }
  return Object.keys(out).length ? out : null;
}

/** The title a schema gives an enumerated value (`oneOf: [{ const, title }]`), if any. */
export function enumTitle(schema: JsonSchema | undefined, value: unknown): Text | undefined {
  const options = (schema?.oneOf ?? schema?.anyOf) as JsonSchema[] | undefined;
  if (!Array.isArray(options)) return undefined;
  return titleOf(options.find((o) => o && o.const === value));
}

/**
 * Whether a data key holds a user id, by the flows' naming: a decision's `by`, an `owner_staff_id`
 * (the staff member who owns a case). Readers see the person's name there (server/org/names.ts).
 */
export function holdsUserId(key: string): boolean {
  return key === 'by' || key.endsWith('staff_id');
}
