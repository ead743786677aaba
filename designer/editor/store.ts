// The flow designer's state, in an @xstate/store store: the flow document, what is selected, the
// hand-placed node positions (kept outside the flow, so an exported flow carries no layout), and
// the path a simulation took. Every document edit is one event that runs a pure function of
// edits.ts; undo/redo (snapshot strategy) covers document edits only — selecting, moving a node
// or simulating is not undone. Keystrokes in one field form one undo step: such events carry a
// `coalesce` key, and consecutive events with the same key are one transaction.
import { createStore } from '@xstate/store';
import { undoRedo } from '@xstate/store/undo';
import type { Flow, FormConfig, StateConfig, Text, TransitionObject, TransitionRef } from '../../engine/index.ts';
import {
  addState,
  addTimer,
  addTransition,
  deleteRole,
  deleteState,
  deleteTransition,
  getTransition,
  movedRef,
  renameRole,
  renameState,
  setFlowProps,
  setRole,
  setStateProps,
  setTransition,
  type FlowMeta,
  type NewTimer,
  type TransitionPatch,
} from './edits.ts';
import { setForm } from './formData.ts';

export type Selection = null | { kind: 'state'; id: string } | { kind: 'transition'; ref: TransitionRef };
export interface Position {
  x: number;
  y: number;
}
/** The text a flow was loaded or imported from, to export it unchanged byte for byte. */
export interface Baseline {
  doc: Flow;
  text: string;
}
export interface EditorContext {
  doc: Flow;
  baseline: Baseline | null;
  selection: Selection;
  positions: Record<string, Position>;
  /** States a simulation went through, marked on the canvas. */
  path: string[];
}

type Patch<T> = { [K in keyof T]?: T[K] | undefined };
interface Coalesce {
  /** Events with the same key in a row are undone as one step (one field being typed in). */
  coalesce?: string;
}

/** The document edits: each a pure function of the document and the event. */
const DOC_EDITS = {
  addState: (doc: Flow, e: { id: string; state: StateConfig }) => addState(doc, e.id, e.state),
  renameState: (doc: Flow, e: { from: string; to: string }) => renameState(doc, e.from, e.to),
  deleteState: (doc: Flow, e: { id: string }) => deleteState(doc, e.id),
  setStateProps: (doc: Flow, e: { id: string; patch: Patch<StateConfig> } & Coalesce) => setStateProps(doc, e.id, e.patch),
  addTransition: (doc: Flow, e: { source: string; event: string; t: TransitionObject }) => addTransition(doc, e.source, e.event, e.t),
  addTimer: (doc: Flow, e: { source: string; timer: NewTimer }) => addTimer(doc, e.source, e.timer),
  /** A task's form, with the data part it saves to kept in step (formData.ts). */
  setForm: (doc: Flow, e: { id: string; form: FormConfig | undefined } & Coalesce) => setForm(doc, e.id, e.form),
  setTransition: (doc: Flow, e: { ref: TransitionRef; patch: TransitionPatch } & Coalesce) => setTransition(doc, e.ref, e.patch),
  deleteTransition: (doc: Flow, e: { ref: TransitionRef }) => deleteTransition(doc, e.ref),
  setFlowProps: (doc: Flow, e: { patch: Patch<FlowMeta> } & Coalesce) => setFlowProps(doc, e.patch),
  setRole: (doc: Flow, e: { id: string; label: Text } & Coalesce) => setRole(doc, e.id, e.label),
  renameRole: (doc: Flow, e: { from: string; to: string }) => renameRole(doc, e.from, e.to),
  deleteRole: (doc: Flow, e: { id: string }) => deleteRole(doc, e.id),
  /** Replaces the whole document (the JSON view). */
  replaceDoc: (_doc: Flow, e: { doc: Flow }) => e.doc,
};
type DocEventType = keyof typeof DOC_EDITS;
const DOC_EVENT_TYPES = new Set<string>(Object.keys(DOC_EDITS));

function editDoc(doc: Flow, type: string, event: object): Flow {
  const fn = DOC_EDITS[type as DocEventType] as ((d: Flow, e: unknown) => Flow) | undefined;
  return fn ? fn(doc, event) : doc;
}

/** The selection if it still names something in `doc`, else null. */
export function validSelection(doc: Flow, sel: Selection): Selection {
  if (!sel) return null;
  if (sel.kind === 'state') return Object.hasOwn(doc.states, sel.id) ? sel : null;
  return getTransition(doc, sel.ref) ? sel : null;
}

function edited(ctx: EditorContext, type: DocEventType, event: object, selection?: Selection): EditorContext {
  const doc = editDoc(ctx.doc, type, event);
  if (doc === ctx.doc) return ctx;
  return { ...ctx, doc, selection: validSelection(doc, selection === undefined ? ctx.selection : selection) };
}

export function createEditorStore(doc: Flow, baseline: Baseline | null = null) {
  const context: EditorContext = { doc, baseline, selection: null, positions: {}, path: [] };
  return createStore({
    context,
    on: {
      addState: (ctx, e: { id: string; state: StateConfig; position?: Position }) => {
        const next = edited(ctx, 'addState', e, { kind: 'state', id: e.id });
        return next === ctx || !e.position ? next : { ...next, positions: { ...next.positions, [e.id]: e.position } };
      },
      renameState: (ctx, e: { from: string; to: string }) => {
        const next = edited(ctx, 'renameState', e, ctx.selection?.kind === 'state' && ctx.selection.id === e.from ? { kind: 'state', id: e.to } : ctx.selection);
        if (next === ctx) return ctx;
        const positions = { ...next.positions };
        if (positions[e.from]) (positions[e.to] = positions[e.from]!), delete positions[e.from];
        return { ...next, positions };
      },
      deleteState: (ctx, e: { id: string }) => edited(ctx, 'deleteState', e),
      setStateProps: (ctx, e: { id: string; patch: Patch<StateConfig> } & Coalesce) => edited(ctx, 'setStateProps', e),
      addTransition: (ctx, e: { source: string; event: string; t: TransitionObject; select?: boolean }) => {
        const before = ctx.doc.states[e.source]?.on?.[e.event];
        const index = before === undefined ? 0 : Array.isArray(before) ? before.length : 1;
        return edited(ctx, 'addTransition', e, e.select === false ? ctx.selection : { kind: 'transition', ref: { source: e.source, event: e.event, index } });
      },
      addTimer: (ctx, e: { source: string; timer: NewTimer }) => edited(ctx, 'addTimer', e, ctx.selection),
      setForm: (ctx, e: { id: string; form: FormConfig | undefined } & Coalesce) => edited(ctx, 'setForm', e),
      setTransition: (ctx, e: { ref: TransitionRef; patch: TransitionPatch } & Coalesce) => {
        const sel = ctx.selection;
        const follows = sel?.kind === 'transition' && sel.ref.source === e.ref.source && sel.ref.event === e.ref.event && sel.ref.index === e.ref.index;
        return edited(ctx, 'setTransition', e, follows && e.patch.event ? { kind: 'transition', ref: movedRef(ctx.doc, e.ref, e.patch.event) } : sel);
      },
      deleteTransition: (ctx, e: { ref: TransitionRef }) => edited(ctx, 'deleteTransition', e),
      setFlowProps: (ctx, e: { patch: Patch<FlowMeta> } & Coalesce) => edited(ctx, 'setFlowProps', e),
      setRole: (ctx, e: { id: string; label: Text } & Coalesce) => edited(ctx, 'setRole', e),
      renameRole: (ctx, e: { from: string; to: string }) => edited(ctx, 'renameRole', e),
      deleteRole: (ctx, e: { id: string }) => edited(ctx, 'deleteRole', e),
      replaceDoc: (ctx, e: { doc: Flow }) => edited(ctx, 'replaceDoc', e),
      /** Deletes what is selected (a state with the transitions into it, or a transition). */
      deleteSelection: (ctx) => {
        const sel = ctx.selection;
        if (!sel) return ctx;
        const doc = sel.kind === 'state' ? deleteState(ctx.doc, sel.id) : deleteTransition(ctx.doc, sel.ref);
        return doc === ctx.doc ? ctx : { ...ctx, doc, selection: null };
      },
      select: (ctx, e: { selection: Selection }) => ({ ...ctx, selection: validSelection(ctx.doc, e.selection) }),
      move: (ctx, e: { id: string; position: Position }) => ({ ...ctx, positions: { ...ctx.positions, [e.id]: e.position } }),
      resetLayout: (ctx) => ({ ...ctx, positions: {} }),
      setPath: (ctx, e: { path: string[] }) => ({ ...ctx, path: e.path }),
    },
  }).with(
    undoRedo({
      strategy: 'snapshot',
      historyLimit: 500,
      // Only an event that changes the document is a step of the history.
      skipEvent: (event, snapshot) => {
        if (event.type === 'deleteSelection') {
          const sel = snapshot.context.selection;
          return !sel || (sel.kind === 'state' ? !Object.hasOwn(snapshot.context.doc.states, sel.id) : !getTransition(snapshot.context.doc, sel.ref));
        }
        return !DOC_EVENT_TYPES.has(event.type) || editDoc(snapshot.context.doc, event.type, event) === snapshot.context.doc;
      },
      getTransactionId: (event) => (event as Coalesce).coalesce ?? undefined,
      // Undo and redo bring back the document; the selection, positions and path stay as they are
      // (the selection is dropped if it names something no longer there).
      restore: ({ current, next }) => ({
        ...current,
        doc: next.doc,
        selection: validSelection(next.doc, current.selection),
        positions: { ...next.positions, ...current.positions },
      }),
    }),
  );
}

export type EditorStore = ReturnType<typeof createEditorStore>;

/** How many undo and redo steps there are (a run of entries of one transaction is one step). */
export function history(store: EditorStore): { undo: number; redo: number } {
  type Entry = { transactionId?: string };
  const snap = store.getSnapshot() as unknown as { past?: Entry[]; future?: Entry[] };
  const steps = (entries: Entry[] = []) => entries.filter((e, i) => e.transactionId === undefined || entries[i - 1]?.transactionId !== e.transactionId).length;
  return { undo: steps(snap.past), redo: steps(snap.future) };
}
