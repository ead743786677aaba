// Form labels in the reader's language: Chinese is the source; English sits beside each label in
// `x-en`. No dependencies, so the web app can import it alone.
import type { Lang } from './types.ts';

export function localizeSchema<T>(schema: T, lang: Lang): T {
  if (lang === 'zh' || schema === null || typeof schema !== 'object') return schema;
  if (Array.isArray(schema)) return schema.map((s) => localizeSchema(s, lang)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema as Record<string, unknown>)) {
    out[k] = k === 'x-en' || k === 'const' || k === 'default' || k === 'enum' ? v : localizeSchema(v, lang);
  }
  const en = (schema as Record<string, unknown>)['x-en'] as Record<string, unknown> | undefined;
  if (en && typeof en === 'object') Object.assign(out, en);
  return out as T;
}
