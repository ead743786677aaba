// RJSF's validator for step forms, without eval (the page's CSP has no 'unsafe-eval'). RJSF's own
// precompiled-validator path (@rjsf/validator-ajv8's createPrecompiledValidator, which turns Ajv's
// error objects into the form's errors as its default validator does) is given functions that
// interpret each schema (engine/schemaInterpreter.ts: Ajv's errors, same words) instead of Ajv
// standalone code: forms change at run time, in the designer and with each published version, so
// there is nothing to precompile at build time.
import { createPrecompiledValidator } from '@rjsf/validator-ajv8';
import { hashForSchema, ID_KEY, type RJSFSchema, type ValidatorType } from '@rjsf/utils';
import { interpret } from '../../engine/index.ts';

interface CheckFunction {
  (data: unknown): boolean;
  errors?: ReturnType<typeof interpret> | null;
}

/** The options @rjsf/validator-ajv8 gives Ajv that change results: multipleOfPrecision 8. */
const RJSF_OPTIONS = { multipleOfPrecision: 8 };

/** A validator for forms whose root schema is `root` (RJSF also asks it about parts of it). */
export function formValidator(root: RJSFSchema): ValidatorType {
  const checks: Record<string, CheckFunction> = {};
  const checkOf = (schema: RJSFSchema) => {
    const key = (schema[ID_KEY] as string | undefined) ?? hashForSchema(schema);
    if (!checks[key]) {
      const check: CheckFunction = (data) => {
        const errors = interpret(schema, data, [schema, root], RJSF_OPTIONS);
        check.errors = errors.length ? errors : null;
        return errors.length === 0;
      };
      checks[key] = check;
    }
  };
  checkOf(root);
  const validator = createPrecompiledValidator(checks, root);
  // Parts are interpreted when first asked about (a oneOf option, an if/then branch), rather
  // than all listed up front as precompiling them would need.
  return Object.assign(Object.create(validator) as ValidatorType, {
    isValid(schema: RJSFSchema, formData: unknown, rootSchema: RJSFSchema) {
      checkOf(schema);
      return validator.isValid(schema, formData, rootSchema);
    },
  });
}
