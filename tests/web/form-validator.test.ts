// Step forms are checked in the browser by designer/forms/formValidator.ts (no eval, so the page's
// CSP can forbid it), in place of RJSF's Ajv validator. It must be indistinguishable to RJSF and to
// the person filling the form: the same errors (field, keyword, params, words) and the same error
// tree for every bundled form as @rjsf/validator-ajv8 gives, and the same choice of oneOf option
// and if/then branch when RJSF asks which applies. One difference is meant: RJSF brings its own
// ajv-formats (2.x), whose date-time takes a time without a time zone that the server (ajv-formats
// 3) refuses; the browser now takes what the server takes, so RJSF's Ajv is compared here with
// the server's date-time.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { customizeValidator } from '@rjsf/validator-ajv8';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { retrieveSchema, type RJSFSchema } from '@rjsf/utils';
import { localizeSchema } from '../../engine/localize.ts';
import type { Flow } from '../../engine/types.ts';
import { formValidator } from '../../designer/forms/formValidator.ts';
import { around } from '../schema-values.ts';

const forms: [string, RJSFSchema][] = readdirSync('flows')
  .filter((f) => f.endsWith('.flow.json'))
  .flatMap((f) => {
    const flow = JSON.parse(readFileSync(`flows/${f}`, 'utf8')) as Flow;
    return Object.entries(flow.states).flatMap(([id, s]) => (s.form ? [[`${flow.id} ${id}`, localizeSchema(s.form.schema, 'zh') as RJSFSchema] as [string, RJSFSchema]] : []));
  });

const ajvValidator = customizeValidator({ customFormats: { 'date-time': (fullFormats['date-time'] as { validate: (s: string) => boolean }).validate } });

describe('the form validator without eval answers as RJSF’s Ajv validator', () => {
  it.each(forms)('%s', (_, schema) => {
    const ours = formValidator(schema);
    fc.assert(
      fc.property(around(schema as Record<string, unknown>, schema as Record<string, unknown>), (data) => {
        const a = ajvValidator.validateFormData(data, schema);
        const b = ours.validateFormData(data, schema);
        expect(b.errors).toEqual(a.errors);
        expect(b.errorSchema).toEqual(a.errorSchema);
        if (data && typeof data === 'object') expect(retrieveSchema(ours, schema, schema, data)).toEqual(retrieveSchema(ajvValidator, schema, schema, data));
      }),
      { numRuns: 150 },
    );
  });
});
