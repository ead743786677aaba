// Types of engine/precompiled.generated.js (Ajv standalone validators; see cli/generate-validators.ts).
import type { ErrorObject } from 'ajv';

interface PrecompiledValidator {
  (value: unknown): boolean;
  errors?: ErrorObject[] | null;
}
/** flows/flow.schema.json */
export const flowShape: PrecompiledValidator;
/** JSON Schema draft-07's meta-schema: is a value a usable schema? */
export const jsonSchema: PrecompiledValidator;
