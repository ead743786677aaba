// Labels and readable values for an instance's data, from its flow: shared by the audit replay
// and the step page.
import { useMemo } from 'react';
import { enumTitle, holdsUserId, labelAt, schemaAt, parsePointer, type Flow } from '../../engine/index.ts';
import { useI18n } from '../i18n/index.tsx';
import type { Labeler } from './Values.tsx';

function lastToken(pointer: string): string {
  return parsePointer(pointer).at(-1) ?? '';
}

/**
 * Labels and readable values for an instance's data, from its flow; `names` (from the server,
 * server/org/names.ts) turns the user id a decision's `by` holds into the person's name.
 */
export function useLabelers(flow: Flow, names?: Readonly<Record<string, string>>) {
  const { t, text } = useI18n();
  return useMemo(() => {
    const known = (key: string, value: unknown): string | undefined => {
      if (typeof value !== 'string') return undefined;
      if (key === 'by') return names && Object.hasOwn(names, value) ? names[value] : undefined;
      // An account field (the case owner's): the name, with the account it holds beside it.
      if (holdsUserId(key)) return names && Object.hasOwn(names, value) ? t('audit.nameWithId', { name: names[value]!, id: value }) : undefined;
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
  }, [flow, names, t, text]);
}

