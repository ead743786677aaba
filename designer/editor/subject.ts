// Which fields of a flow's data may name who its matters are about (the flow's `subject`, checked
// by engine/validate.ts): the picker in the flow inspector offers these.
import { schemaAt, type Flow } from '../../engine/index.ts';

/** The data's string fields that may name who a matter is about: declared (refs followed), not personal. */
export function subjectCandidates(doc: Flow): string[] {
  const out: string[] = [];
  const walk = (pointer: string, depth: number) => {
    const schema = schemaAt(doc, pointer);
    if (!schema || depth > 3 || schema['x-personal'] !== undefined) return;
    if (schema.type === 'string' && pointer) out.push(pointer);
    const props = schema.properties as Record<string, unknown> | undefined;
    if (props && typeof props === 'object') for (const key of Object.keys(props)) walk(`${pointer}/${key}`, depth + 1);
  };
  walk('', 0);
  return out;
}

