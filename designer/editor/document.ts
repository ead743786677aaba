// The flow document outside the editor: importing a file, exporting one (an unchanged flow is
// given back byte for byte as it came in; a changed one is written like the bundled files: JSON
// with 2-space indent and a final newline), and where an issue's JSON pointer points — the node
// or the edge of the canvas it belongs to.
import { parsePointer, sameJson, type Flow, type StateKind } from '../../engine/index.ts';
import type { Baseline, Selection } from './store.ts';

export function serialise(doc: Flow): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** The text to export: the original text while the document is unchanged, else the document written out. */
export function exportText(doc: Flow, baseline: Baseline | null): string {
  return baseline && (baseline.doc === doc || sameJson(baseline.doc, doc)) ? baseline.text : serialise(doc);
}

export function exportFileName(doc: Flow): string {
  return `${/^[a-z0-9-]+$/.test(doc.id) ? doc.id : 'flow'}.flow.json`;
}

export class ImportError extends Error {}

/**
 * A flow file's text as a document to edit. Only the frame the editor needs is required (an
 * object with `states`, `roles` objects); everything else is left for the validator to report.
 */
export function parseFlowText(text: string): { doc: Flow; baseline: Baseline } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ImportError(`not JSON: ${(error as Error).message}`);
  }
  const v = value as Partial<Flow> | null;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ImportError('not a flow: the file is not a JSON object');
  if (!v.states || typeof v.states !== 'object' || Array.isArray(v.states)) throw new ImportError('not a flow: it has no "states" object');
  if (v.roles !== undefined && (typeof v.roles !== 'object' || Array.isArray(v.roles))) throw new ImportError('not a flow: "roles" is not an object');
  for (const [id, s] of Object.entries(v.states)) {
    if (!s || typeof s !== 'object' || Array.isArray(s)) throw new ImportError(`not a flow: state "${id}" is not an object`);
  }
  const doc = value as Flow;
  return { doc, baseline: { doc, text } };
}

/** The events a kind of step raises or takes, the usual first. */
export const KIND_EVENTS: Record<StateKind, string[]> = {
  task: ['SUBMIT', 'WITHDRAW', 'DEADLINE.EXCEEDED'],
  vote: ['VOTE.PASSED', 'VOTE.FAILED', 'VOTE.NO_QUORUM', 'DEADLINE.EXCEEDED'],
  review: ['APPROVE', 'RETURN', 'REJECT', 'DEADLINE.EXCEEDED'],
  disclosure: ['DISCLOSURE.ENDED', 'OBJECT'],
  final: [],
};

/** The event a new transition from `source` most likely wants: the kind's first one not yet used. */
export function suggestEvent(doc: Flow, source: string): string {
  const s = doc.states[source];
  if (!s) return 'SUBMIT';
  const used = new Set(Object.keys(s.on ?? {}));
  return KIND_EVENTS[s.kind]?.find((e) => !used.has(e)) ?? KIND_EVENTS[s.kind]?.[0] ?? 'NEXT';
}

/** What an issue's pointer is about: a state, a transition, or (null) the flow as a whole. */
export function selectionOf(doc: Flow, pointer: string): Selection {
  let tokens: string[];
  try {
    tokens = parsePointer(pointer);
  } catch {
    return null;
  }
  if (tokens[0] !== 'states' || tokens[1] === undefined) return null;
  const id = tokens[1];
  const state = doc.states?.[id];
  if (!state) return null;
  if (tokens[2] === 'on' && tokens[3] !== undefined) {
    const v = state.on?.[tokens[3]];
    if (v === undefined) return { kind: 'state', id };
    const i = Array.isArray(v) && tokens[4] !== undefined && /^\d+$/.test(tokens[4]) ? Number(tokens[4]) : 0;
    return { kind: 'transition', ref: { source: id, event: tokens[3], index: i } };
  }
  if (tokens[2] === 'after' && tokens[3] !== undefined && state.after?.[tokens[3]] !== undefined) {
    return { kind: 'transition', ref: { source: id, event: 'after', index: 0, duration: tokens[3] } };
  }
  return { kind: 'state', id };
}

/** A flow id not yet taken: `base`, else `base-2`, `base-3`, … */
export function freeFlowId(taken: Iterable<string>, base: string): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}-${i}`)) return `${base}-${i}`;
}
