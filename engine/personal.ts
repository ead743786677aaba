// Personal data off the chain (docs/personal-data.md). A flow marks form fields, and the instance
// data they are saved to, as personal ("x-personal": kind). When a SUBMIT records such a form, each
// personal value in its payload is replaced by a salted commitment { "$personal": hex }: the chain
// and every snapshot keep the commitment, and the values (with their salts) go back to the host,
// which keeps them in its personal-data store. The host draws one random salt per event and passes
// it in (FlowEvent.salt); the engine derives each field's salt from it and reads no random source.
import { EngineError } from './errors.ts';
import { compileSchema, type Validator } from './forms.ts';
import { hashJson } from './hash.ts';
import { escapeToken, parsePointer } from './pointer.ts';
import type { FlowIssue, JsonSchema } from './types.ts';

export const PERSONAL_KINDS = ['name', 'id', 'contact', 'address', 'health', 'finance'] as const;
export type PersonalKind = (typeof PERSONAL_KINDS)[number];
/** The schema keyword that marks a field personal; its value is the kind. */
export const PERSONAL_KEYWORD = 'x-personal';
/** The one key of a commitment object. */
export const COMMITMENT_KEY = '$personal';

export interface Commitment {
  $personal: string;
}

/** A personal field of a schema: its path of property names, "*" standing for every item of an array. */
export interface PersonalField {
  path: readonly string[];
  kind: PersonalKind;
}

/** One personal value a record commits to: what the host keeps beside the history. */
export interface PersonalValue {
  /** The record whose payload holds the commitment. */
  seq: number;
  /** Where in that payload (RFC 6901, array items by index). */
  pointer: string;
  kind: PersonalKind;
  value: unknown;
  /** The field's own salt (derived from the event's; the event's is never kept). */
  salt: string;
  /** commitmentOf(salt, value): the hex the record holds. */
  commitment: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
/** What a host passes as an event's salt: 128 to 512 random bits as lowercase hex. */
const SALT = /^[0-9a-f]{32,128}$/;

/** The schema a commitment satisfies (and the only shape a recorded personal value may have). */
export const COMMITMENT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: [COMMITMENT_KEY],
  properties: { [COMMITMENT_KEY]: { type: 'string', pattern: HEX64.source } },
} as const;

export function isCommitment(value: unknown): value is Commitment {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === COMMITMENT_KEY && typeof (value as Commitment).$personal === 'string' && HEX64.test((value as Commitment).$personal);
}

/** SHA-256 of the canonical JSON of [salt, value]: hides the value (the salt is random), binds it (SHA-256). */
export function commitmentOf(salt: string, value: unknown): string {
  return hashJson([salt, value]);
}

/** A field's salt: the event's salt and the field's place, hashed (so one field's salt tells nothing of another's). */
function fieldSalt(eventSalt: string, pointer: string): string {
  return hashJson([eventSalt, pointer]);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A schema with its local $ref (into `root`) followed, and the JSON pointer it was found at. */
function follow(root: JsonSchema, schema: unknown, at: string): { schema: JsonSchema; at: string } | undefined {
  let s = schema;
  let where = at;
  for (let hops = 0; hops < 16; hops++) {
    if (!isObject(s)) return undefined;
    const ref = s.$ref;
    if (typeof ref !== 'string') return { schema: s, at: where };
    if (!ref.startsWith('#/')) return undefined;
    let target: unknown = root;
    for (const key of parsePointer(ref.slice(1))) target = isObject(target) ? target[key] : undefined;
    s = target;
    where = ref.slice(1);
  }
  return undefined;
}

/**
 * The personal fields of a schema, reached from its root through `properties` and `items` (and
 * local $ref): the only places a mark is taken (validateFlow refuses one anywhere else). A marked
 * object or array is personal as a whole. `reached` collects the schema pointer of every mark found.
 */
export function personalFields(root: JsonSchema, reached?: Set<string>): PersonalField[] {
  const out: PersonalField[] = [];
  const walk = (schema: unknown, at: string, path: string[], depth: number) => {
    const node = follow(root, schema, at);
    if (!node || depth > 32) return;
    const kind = node.schema[PERSONAL_KEYWORD];
    if (kind !== undefined) {
      reached?.add(node.at);
      out.push({ path, kind: kind as PersonalKind });
      return;
    }
    const props = node.schema.properties;
    if (isObject(props)) for (const [key, sub] of Object.entries(props)) walk(sub, `${node.at}/properties/${escapeToken(key)}`, [...path, key], depth + 1);
    if (isObject(node.schema.items)) walk(node.schema.items, `${node.at}/items`, [...path, '*'], depth + 1);
  };
  walk(root, '', [], 0);
  return out;
}

/** Every mark in a schema, wherever it is: its schema pointer and value. */
function marks(schema: unknown, at: string, out: { at: string; kind: unknown }[]): { at: string; kind: unknown }[] {
  if (Array.isArray(schema)) schema.forEach((s, i) => marks(s, `${at}/${i}`, out));
  else if (isObject(schema)) {
    if (Object.hasOwn(schema, PERSONAL_KEYWORD)) out.push({ at, kind: schema[PERSONAL_KEYWORD] });
    for (const [key, sub] of Object.entries(schema)) if (key !== PERSONAL_KEYWORD) marks(sub, `${at}/${escapeToken(key)}`, out);
  }
  return out;
}

/** Why the personal marks of a schema cannot work: an unknown kind, or a mark no path of fields reaches. */
export function markProblems(schema: JsonSchema): FlowIssue[] {
  const reached = new Set<string>();
  personalFields(schema, reached);
  const issues: FlowIssue[] = [];
  for (const mark of marks(schema, '', [])) {
    if (!(PERSONAL_KINDS as readonly unknown[]).includes(mark.kind)) {
      issues.push({ pointer: `${mark.at}/${PERSONAL_KEYWORD}`, message: `"${PERSONAL_KEYWORD}" must be one of: ${PERSONAL_KINDS.join(', ')}` });
    } else if (!reached.has(mark.at)) {
      issues.push({ pointer: `${mark.at}/${PERSONAL_KEYWORD}`, message: `"${PERSONAL_KEYWORD}" is taken only on a field reached through "properties" and "items" (not inside anyOf, oneOf, allOf, if/then or additionalProperties)` });
    }
  }
  return issues;
}

/** The schema with every marked field also accepting a commitment in its place. */
export function withCommitments(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withCommitments);
  if (!isObject(schema)) return schema;
  const copy = Object.fromEntries(Object.entries(schema).map(([key, sub]) => [key, withCommitments(sub)]));
  // The field's own schema first: its errors are the ones to report for a value put back in its place.
  return Object.hasOwn(schema, PERSONAL_KEYWORD) ? { anyOf: [copy, COMMITMENT_SCHEMA] } : copy;
}

/** A validator of `schema` with commitments accepted at its personal fields. */
export function commitmentValidator(schema: JsonSchema): Validator {
  const compiled = compileSchema(withCommitments(schema) as JsonSchema);
  if (!('validate' in compiled)) throw new Error(compiled.problem);
  return compiled.validate;
}

/** Whether two paths can name the same place or one lies inside the other ("*" matches any key). */
export function pathsOverlap(a: readonly string[], b: readonly string[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i] && a[i] !== '*' && b[i] !== '*') return false;
  return true;
}

/** Every place a field's path names in a value, as [pointer, value] (array items by index). */
export function placesOf(value: unknown, path: readonly string[]): [string, unknown][] {
  let places: [string, unknown][] = [['', value]];
  for (const key of path) {
    const next: [string, unknown][] = [];
    for (const [at, v] of places) {
      if (key === '*') {
        if (Array.isArray(v)) v.forEach((item, i) => next.push([`${at}/${i}`, item]));
      } else if (isObject(v) && Object.hasOwn(v, key)) next.push([`${at}/${escapeToken(key)}`, v[key]]);
    }
    places = next;
  }
  return places.filter(([, v]) => v !== undefined);
}

/** `value` with the value at each pointer replaced (copies along the way, arrays stay arrays). */
export function replaceAt(value: unknown, replacements: Map<string, unknown>): unknown {
  const byFirst = new Map<string, Map<string, unknown>>();
  for (const [pointer, v] of replacements) {
    if (pointer === '') return v;
    const [first, ...rest] = parsePointer(pointer);
    const sub = byFirst.get(first!) ?? new Map<string, unknown>();
    sub.set(rest.map(escapeToken).map((k) => '/' + k).join(''), v);
    byFirst.set(first!, sub);
  }
  if (byFirst.size === 0) return value;
  if (Array.isArray(value)) return value.map((item, i) => (byFirst.has(String(i)) ? replaceAt(item, byFirst.get(String(i))!) : item));
  const copy = { ...(value as Record<string, unknown>) };
  for (const [key, sub] of byFirst) copy[key] = replaceAt(copy[key], sub);
  return copy;
}

/**
 * A live SUBMIT's payload as it is recorded: each personal value replaced by its commitment. The
 * payload has passed the form's own validation; `seq` is the record's.
 */
export function commitPayload(
  fields: readonly PersonalField[],
  payload: Record<string, unknown>,
  salt: unknown,
  seq: number,
  what: string,
): { payload: Record<string, unknown>; values: PersonalValue[] } {
  if (typeof salt !== 'string' || !SALT.test(salt)) {
    throw new EngineError('EVENT_INVALID', `${what} records personal data: the host must pass a salt of 32 to 128 lowercase hex digits`);
  }
  const values: PersonalValue[] = [];
  const replacements = new Map<string, unknown>();
  for (const field of fields) {
    for (const [pointer, value] of placesOf(payload, field.path)) {
      if (isCommitment(value)) throw new EngineError('FORM_INVALID', `${what}: ${pointer} must be the value itself`, [{ pointer, message: 'must be the value itself' }]);
      const own = fieldSalt(salt, pointer);
      const commitment = commitmentOf(own, value);
      values.push({ seq, pointer, kind: field.kind, value, salt: own, commitment });
      replacements.set(pointer, { [COMMITMENT_KEY]: commitment });
    }
  }
  return { payload: replaceAt(payload, replacements) as Record<string, unknown>, values };
}

/** A recorded payload's personal fields each hold a commitment; throws naming the first that does not. */
export function checkCommitted(fields: readonly PersonalField[], payload: Record<string, unknown>, what: string): void {
  for (const field of fields) {
    for (const [pointer, value] of placesOf(payload, field.path)) {
      if (!isCommitment(value)) {
        throw new EngineError('EVENT_INVALID', `${what}: the personal field ${pointer} is recorded in the clear, not as a commitment (a live event needs a salt from the host)`);
      }
    }
  }
}
