// Every label exists in both languages: the English catalogue mirrors every Chinese key.
import { describe, expect, it } from 'vitest';
import { messages } from '../../designer/i18n/messages.ts';
import { ENGINE_ERROR_CODES, SERVER_ERROR_CODES } from '../../server/errors.ts';

function keys(node: unknown, prefix = ''): string[] {
  if (typeof node !== 'object' || node === null) return [prefix];
  return Object.entries(node).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

describe('message catalogue', () => {
  it('has the same keys in Chinese and English', () => {
    expect(keys(messages.en).sort()).toEqual(keys(messages.zh).sort());
  });
  it('has no empty label', () => {
    for (const lang of ['zh', 'en'] as const) {
      const empty = keys(messages[lang]).filter((k) => {
        let v: unknown = messages[lang];
        for (const p of k.split('.')) v = (v as Record<string, unknown>)[p];
        return v === '';
      });
      expect(empty, lang).toEqual([]);
    }
  });
  it('words every refusal of the engine and the server\'s own, and the common kinds, in both languages', () => {
    const kinds = ['NOT_FOUND', 'FORBIDDEN', 'UNAUTHORIZED', 'CONFLICT', 'TOO_MANY_REQUESTS', 'INTERNAL_SERVER_ERROR', 'PAYLOAD_TOO_LARGE', 'BAD_REQUEST', 'PRECONDITION_FAILED', 'UNKNOWN'];
    for (const lang of ['zh', 'en'] as const) {
      const words = messages[lang].common.refusals as Record<string, string>;
      expect(Object.keys(words).sort(), lang).toEqual([...ENGINE_ERROR_CODES, ...SERVER_ERROR_CODES, ...kinds].sort());
    }
    expect(messages.zh.common.refusals.REVEAL_NOT_ALLOWED).toBe('只有本流程指定的角色才能查看个人信息。');
  });
});
