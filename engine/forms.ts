// JSON Schema validation of forms, event payloads and instance data (ajv), with errors as
// JSON pointers to the offending field so a form can show each next to its field.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FlowIssue, JsonSchema } from './types.ts';
import { escapeToken } from './pointer.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-en', schemaType: 'object' });
  return ajv;
}

const shared = createAjv();

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
    out.push({ pointer, message });
  }
  return out;
}

/** Compiles a schema, or returns why it is not a usable JSON Schema. */
export function compileSchema(schema: JsonSchema): { validate: Validator } | { problem: string } {
  let fn: ValidateFunction;
  try {
    fn = shared.compile(schema);
  } catch (error) {
    return { problem: `not a valid JSON Schema: ${(error as Error).message}` };
  }
  return { validate: (value) => (fn(value) ? [] : issuesOf(fn.errors)) };
}
