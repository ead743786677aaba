// JSON Schema validation of forms, event payloads and instance data, with errors as JSON pointers
// to the offending field so a form can show each next to its field. The checking itself is Ajv's
// (engine/schemaBackend.ts) on the server and in the CLI, and Ajv's error objects without eval in
// the browser (engine/schemaBackend.browser.ts); "#schema-backend" picks one (package.json imports).
import type { ErrorObject } from 'ajv';
import { compileCheck, type SchemaCheck } from '#schema-backend';
import type { FlowIssue, JsonSchema } from './types.ts';
import { escapeToken, parsePointer } from './pointer.ts';

export type Validator = (value: unknown) => FlowIssue[];

export function issuesOf(errors: ErrorObject[] | null | undefined): FlowIssue[] {
  if (!errors) return [];
  // A choice written as oneOf/anyOf of consts fails once per option; say it once, with the options.
  const choices = new Map<string, unknown[]>();
  const isChoiceOption = (e: ErrorObject) => e.keyword === 'const' && /\/(oneOf|anyOf)\/\d+\/const$/.test(e.schemaPath);
  for (const e of errors) if (isChoiceOption(e)) choices.set(e.instancePath, [...(choices.get(e.instancePath) ?? []), e.params.allowedValue]);
  const out: FlowIssue[] = [];
  for (const e of errors) {
    // if/then and propertyNames wrappers repeat what their branches already said.
    if (e.keyword === 'if' || e.keyword === 'propertyNames' || isChoiceOption(e)) continue;
    let pointer = e.instancePath;
    // An error about a key's name (propertyNames) belongs to that key.
    const propertyName = (e as ErrorObject & { propertyName?: string }).propertyName;
    if (propertyName !== undefined) pointer += '/' + escapeToken(propertyName);
    if (e.keyword === 'required') pointer += '/' + escapeToken(String(e.params.missingProperty));
    if (e.keyword === 'additionalProperties') pointer += '/' + escapeToken(String(e.params.additionalProperty));
    let message = e.message ?? e.keyword;
    if (e.keyword === 'additionalProperties') message = `unknown key "${String(e.params.additionalProperty)}"`;
    if (e.keyword === 'enum') message += ': ' + (e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
    if (e.keyword === 'const') message += ': ' + JSON.stringify(e.params.allowedValue);
    const options = (e.keyword === 'oneOf' || e.keyword === 'anyOf') && choices.get(e.instancePath);
    if (options) message = 'must be one of: ' + options.map((v) => JSON.stringify(v)).join(', ');
    out.push({ pointer, message, ...issueCode(e) });
  }
  return out;
}

/**
 * A schema check's failure as a code the reader's words are kept under (FlowIssue.code), with its
 * limit: RJSF's own checks in the browser and the engine's on the server read the same words.
 */
export function issueCode(e: { keyword: string; params?: Record<string, unknown> }): Pick<FlowIssue, 'code' | 'params'> {
  const params = e.params ?? {};
  const limit = typeof params.limit === 'number' ? { params: { limit: params.limit } } : {};
  switch (e.keyword) {
    case 'required':
      return { code: 'required' };
    case 'minLength':
      return params.limit === 1 ? { code: 'required' } : { code: 'minLength', ...limit };
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
    case 'exclusiveMaximum':
    case 'maxLength':
    case 'minItems':
    case 'maxItems':
      return { code: e.keyword, ...limit };
    case 'pattern':
      return { code: 'pattern' };
    case 'format':
      return { code: params.format === 'date' ? 'date' : 'format' };
    case 'type': {
      const type = Array.isArray(params.type) ? params.type[0] : params.type;
      return { code: type === 'number' || type === 'integer' ? type : 'type' };
    }
    case 'enum':
    case 'const':
    case 'oneOf':
    case 'anyOf':
      return { code: 'choice' };
    case 'additionalProperties':
      return { code: 'unknownField' };
    default:
      return { code: 'invalid' };
  }
}

/** Compiles a schema, or returns why it is not a usable JSON Schema. */
export function compileSchema(schema: JsonSchema): { validate: Validator } | { problem: string } {
  let check: SchemaCheck;
  try {
    check = compileCheck(schema);
  } catch (error) {
    return { problem: `not a valid JSON Schema: ${(error as Error).message}` };
  }
  return { validate: (value) => issuesOf(check(value)) };
}

/** Root keywords an instance-data schema may have for its properties to be checked one by one. */
const SPLITTABLE_ROOT = new Set(['type', 'properties', 'required', 'additionalProperties', '$defs', 'definitions', 'title', 'description', 'x-en', '$comment', 'examples', 'default']);

/** Every $ref points into the root's $defs or definitions, and nothing re-bases or re-roots them. */
function refsStayInRoot(node: unknown): boolean {
  if (Array.isArray(node)) return node.every(refsStayInRoot);
  if (node === null || typeof node !== 'object') return true;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$id' || key === '$anchor' || key === '$dynamicRef' || key === '$dynamicAnchor' || key === '$recursiveRef' || key === '$recursiveAnchor') return false;
    if (key === '$ref' && (typeof value !== 'string' || !(value.startsWith('#/$defs/') || value.startsWith('#/definitions/')))) return false;
    if (!refsStayInRoot(value)) return false;
  }
  return true;
}

/**
 * Instance data changes a property or two per event (a form saved at its saveTo, a vote result),
 * and validating all of it again costs more the longer an instance runs. For a data schema of the
 * usual shape — an object with `properties`, perhaps `required` and a boolean
 * `additionalProperties`, and refs only into its own $defs — data that was valid stays valid when
 * each changed property is valid by its own schema (checked here in the root's context: same
 * $defs, same Ajv, same formats) and no property is removed. Returns that check of one property,
 * or null for a schema of any other shape. It only ever says "valid" when the whole schema would:
 * when it says no, the caller validates everything, as before, for the exact issues.
 */
export function propertyCheck(schema: JsonSchema): ((key: string, value: unknown) => boolean) | null {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return null;
  if (Object.keys(schema).some((k) => !SPLITTABLE_ROOT.has(k))) return null;
  const { type, properties, additionalProperties } = schema as { type?: unknown; properties?: unknown; additionalProperties?: unknown };
  if (type !== 'object' || properties === null || typeof properties !== 'object' || Array.isArray(properties)) return null;
  if (additionalProperties !== undefined && typeof additionalProperties !== 'boolean') return null;
  if (!refsStayInRoot(schema)) return null;
  const checks = new Map<string, SchemaCheck>();
  try {
    for (const [key, sub] of Object.entries(properties)) {
      // allOf keeps the property's own keywords (a $ref among them) apart from the root's $defs.
      const wrapper: Record<string, unknown> = { allOf: [sub] };
      if ('$defs' in schema) wrapper.$defs = schema.$defs;
      if ('definitions' in schema) wrapper.definitions = schema.definitions;
      checks.set(key, compileCheck(wrapper));
    }
  } catch {
    return null;
  }
  const others = additionalProperties !== false;
  return (key, value) => {
    if (key === '__proto__') return false;
    const check = checks.get(key);
    return check ? check(value) === null : others;
  };
}

/** Issues shaped like the form data they are about (RJSF's ErrorSchema): `{ budget: { __errors: [...] } }`. */
export interface FieldErrors {
  __errors?: string[];
  [field: string]: FieldErrors | string[] | undefined;
}

/** The issues as FieldErrors, each in `words` (by default its message). */
export function fieldErrorsOf(issues: FlowIssue[], words: (issue: FlowIssue) => string = (i) => i.message): FieldErrors {
  const root: FieldErrors = {};
  for (const issue of issues) {
    let node = root;
    for (const key of parsePointer(issue.pointer)) node = (node[key] as FieldErrors | undefined) ?? (node[key] = {});
    (node.__errors ??= []).push(words(issue));
  }
  return root;
}
