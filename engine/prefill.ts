// A form's starting values: what its step saved before (a step that comes round again), with the
// fields still empty taken from the instance data its `prefill` names. A UI default only: what is
// submitted is validated like any other payload, so nothing here is trusted by the engine.
import type { FormConfig } from './types.ts';
import { getAt, setAt } from './pointer.ts';

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The data a step's form starts with, given the instance data: the value at `saveTo`, and for each
 * `prefill` entry whose field has no value there, the instance-data value (a copy) if it has one.
 * Returns the saved value unchanged (undefined when there is none) when nothing is prefilled.
 */
export function initialFormData(form: Pick<FormConfig, 'saveTo' | 'prefill'>, data: unknown): unknown {
  const saved = getAt(data, form.saveTo);
  // A saved value that is not an object has no fields to fill; leave it to the form to report.
  if (!form.prefill || (saved !== undefined && !isPlainObject(saved))) return saved;
  let out = saved as Record<string, unknown> | undefined;
  for (const [field, source] of Object.entries(form.prefill)) {
    if (getAt(out, field) !== undefined) continue;
    const value = getAt(data, source);
    if (value === undefined) continue;
    out = setAt(out ?? {}, field, structuredClone(value));
  }
  return out;
}
