// Labels and readable values for an instance's data, from its flow: shared by the audit replay
// and the step page.
import { useMemo } from 'react';
import { enumTitle, labelAt, schemaAt, parsePointer, type Flow } from '../../engine/index.ts';
import { useI18n } from '../i18n/index.tsx';
import type { Labeler } from './Values.tsx';

function lastToken(pointer: string): string {
  return parsePointer(pointer).at(-1) ?? '';
}

/** Labels and readable values for an instance's data, from its flow. */
export function useLabelers(flow: Flow) {
  const { t, text } = useI18n();
  return useMemo(() => {
    const known = (key: string, value: unknown): string | undefined => {
      if (typeof value !== 'string') return undefined;
      const area = key === 'choice' ? 'ballot' : key === 'decision' ? 'decision' : key === 'outcome' ? 'vote.outcome' : null;
      if (!area) return undefined;
      const found = t(`audit.${area}.${value}`);
      return found === `audit.${area}.${value}` ? undefined : found;
    };
    const data: Labeler = {
      label: (pointer) => {
        const l = labelAt(flow, pointer);
        return l ? text(l) : undefined;
      },
      format: (pointer, value) => {
        const e = enumTitle(schemaAt(flow, pointer), value);
        return e ? text(e) : known(lastToken(pointer), value);
      },
    };
    const plain: Labeler = { label: () => undefined, format: (pointer, value) => known(lastToken(pointer), value) };
    return { data, plain };
  }, [flow, t, text]);
}

