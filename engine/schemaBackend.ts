// What checks values against JSON Schemas on the server and in the CLI: Ajv, which compiles each
// schema into a JavaScript function — fast, and the engine checks every event's payload with it.
// The web app gets engine/schemaBackend.browser.ts in its place (package.json "imports",
// condition "browser"): the same checks and the same error objects, without compiling code at run
// time, so the page's Content-Security-Policy needs no 'unsafe-eval'.
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import flowSchema from '../flows/flow.schema.json' with { type: 'json' };

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** The key of JSON Schema draft-07's meta-schema in Ajv. */
export const DRAFT7 = 'http://json-schema.org/draft-07/schema';

/** Errors of a value against a schema (Ajv's error objects), or null when it is valid. */
export type SchemaCheck = (value: unknown) => ErrorObject[] | null;

/** The one Ajv setup: every error, formats checked (ajv-formats), labels (`x-en`) and personal marks (`x-personal`) allowed. */
export function createAjv(options: Options = {}): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true, ...options });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-en', schemaType: 'object' });
  // A field's personal kind (see personal.ts): an annotation, checked by validateFlow.
  ajv.addKeyword({ keyword: 'x-personal', schemaType: 'string' });
  return ajv;
}

const shared = createAjv();

/**
 * Checks compiled, by the schema's JSON text: a flow's forms are compiled again each time the flow
 * is validated or compiled (a draft saved, a version loaded, a test server started), from new
 * objects each time, and compiling is most of that work. The newest CHECKS_KEPT are kept.
 */
const checks = new Map<string, SchemaCheck>();
const CHECKS_KEPT = 1000;

/** Compiles a schema; throws an Error saying why when it is not a usable JSON Schema. */
export function compileCheck(schema: unknown): SchemaCheck {
  const key = JSON.stringify(schema);
  let check = checks.get(key);
  if (check) {
    checks.delete(key);
  } else {
    const fn = shared.compile(schema as object);
    // Kept here by its text; Ajv's own cache is by object, and would keep every object ever compiled.
    if (typeof schema === 'object') shared.removeSchema(schema as object);
    check = (value) => (fn(value) ? null : (fn.errors ?? []));
    if (checks.size >= CHECKS_KEPT) checks.delete(checks.keys().next().value!);
  }
  checks.set(key, check);
  return check;
}

/** Compiled at first use: most processes that load the engine (a server serving requests, each test file) never check a flow's shape. */
let flowShape: ValidateFunction | undefined;

/** A flow file against the flow language's schema (flows/flow.schema.json). */
export function checkFlowShape(value: unknown): ErrorObject[] | null {
  flowShape ??= createAjv().compile(flowSchema);
  return flowShape(value) ? null : (flowShape.errors ?? []);
}
