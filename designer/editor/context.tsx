// The editor's store and what every panel derives from the document: the validator's errors and
// the legal checks, computed once per document and shared through React context.
import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { useSelector } from '@xstate/store-react';
import { validateFlow, type Flow, type FlowIssue, legalChecks, type LegalIssue } from '../../engine/index.ts';
import type { EditorStore } from './store.ts';

export interface Checks {
  errors: FlowIssue[];
  legal: LegalIssue[];
  statutory: LegalIssue[];
  warnings: LegalIssue[];
}

interface Ctx {
  store: EditorStore;
  checks: Checks;
}
const EditorCtx = createContext<Ctx | null>(null);

export function checksOf(doc: Flow): Checks {
  let errors: FlowIssue[];
  try {
    errors = validateFlow(doc);
  } catch (error) {
    errors = [{ pointer: '', message: (error as Error).message }];
  }
  const legal = legalChecks(doc, errors);
  return { errors, legal, statutory: legal.filter((l) => l.level === 'statutory'), warnings: legal.filter((l) => l.level === 'warning') };
}

export function EditorProvider({ store, children }: { store: EditorStore; children: ReactNode }) {
  const doc = useSelector(store, (s) => s.context.doc);
  const checks = useMemo(() => checksOf(doc), [doc]);
  const value = useMemo(() => ({ store, checks }), [store, checks]);
  return <EditorCtx.Provider value={value}>{children}</EditorCtx.Provider>;
}

function useCtx(): Ctx {
  const v = useContext(EditorCtx);
  if (!v) throw new Error('editor component outside EditorProvider');
  return v;
}
export const useEditorStore = () => useCtx().store;
export const useChecks = () => useCtx().checks;
export function useDoc(): Flow {
  return useSelector(useCtx().store, (s) => s.context.doc);
}
