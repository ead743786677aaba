// What checks values against JSON Schemas in the web app, in place of engine/schemaBackend.ts
// (package.json "imports", condition "browser"). The page's Content-Security-Policy forbids
// compiling code ('unsafe-eval'), which is how Ajv works, so: the schemas fixed at build time (the
// flow language, and JSON Schema draft-07 to tell whether a form's schema is usable) run as Ajv's
// own validators precompiled by `villageflow types` (engine/precompiled.generated.js); the schemas
// admins write at run time are interpreted (engine/schemaInterpreter.ts). Both give Ajv's error
// objects, so every message reads as it does on the server.
import type { ErrorObject } from 'ajv';
import { flowShape, jsonSchema } from './precompiled.generated.js';
import { compileProblem, interpret } from './schemaInterpreter.ts';

export type SchemaCheck = (value: unknown) => ErrorObject[] | null;

/** Refuses what Ajv's compile refuses, with Ajv's words; then checks by interpreting the schema. */
export function compileCheck(schema: unknown): SchemaCheck {
  if (typeof schema !== 'boolean' && (schema === null || typeof schema !== 'object' || Array.isArray(schema))) throw new Error('schema must be object or boolean');
  if (!jsonSchema(schema)) throw new Error('schema is invalid: ' + (jsonSchema.errors ?? []).map((e) => `data${e.instancePath} ${e.message}`).join(', '));
  const problem = compileProblem(schema);
  if (problem) throw new Error(problem);
  return (value) => {
    const errors = interpret(schema, value);
    return errors.length ? errors : null;
  };
}

export function checkFlowShape(value: unknown): ErrorObject[] | null {
  return flowShape(value) ? null : (flowShape.errors ?? []);
}
