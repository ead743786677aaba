// A flow diff (engine/flowDiff.ts) as marks on the editor's canvas: the document's added nodes
// and edges, its changed ones, and — drawn from the other version as "ghosts" — the states and
// transitions it no longer has, and where a rerouted transition went before. Pure.
import { type Flow, transitionKey, type FlowDiff, type TransitionKey } from '../../engine/index.ts';
import { flowGraph, type DiagramFlow, type GraphEdge, type GraphNode } from '../diagram/graph.ts';

export type DiffMark = 'added' | 'removed' | 'changed' | 'before';
export interface GhostNode extends GraphNode {
  mark: 'removed';
}
export interface GhostEdge extends GraphEdge {
  mark: 'removed' | 'before';
}
export interface CanvasDiff {
  /** Nodes of the document: added or changed. */
  nodes: Record<string, DiffMark>;
  /** Edges of the document (by graph edge id): added or changed. */
  edges: Record<string, DiffMark>;
  /** States of the other version the document lacks. */
  ghostNodes: GhostNode[];
  /** Transitions of the other version: removed ones, and the old route of a rerouted one. */
  ghostEdges: GhostEdge[];
}

/** The marks for the diff from `base` (the version compared with) to `doc` (being edited). */
export function canvasDiff(base: Flow, doc: Flow, diff: FlowDiff): CanvasDiff {
  const docGraph = flowGraph(doc as unknown as DiagramFlow);
  const baseGraph = flowGraph(base as unknown as DiagramFlow);
  const docEdges = new Set(docGraph.edges.map((e) => e.id));
  const baseEdges = new Map(baseGraph.edges.map((e) => [e.id, e]));

  const nodes: Record<string, DiffMark> = {};
  for (const id of diff.states.added) nodes[id] = 'added';
  for (const c of diff.states.changed) nodes[c.id] ??= 'changed';
  for (const c of diff.forms.changed) nodes[c.state] ??= 'changed';

  const ghostNodes: GhostNode[] = baseGraph.nodes.filter((n) => diff.states.removed.includes(n.id)).map((n) => ({ ...n, initial: false, mark: 'removed' as const }));
  const drawn = new Set([...docGraph.nodes.map((n) => n.id), ...ghostNodes.map((n) => n.id)]);

  const edges: Record<string, DiffMark> = {};
  for (const t of diff.transitions.added) {
    const id = transitionKey(t);
    if (docEdges.has(id)) edges[id] = 'added';
  }
  const ghostEdges: GhostEdge[] = [];
  const ghost = (k: TransitionKey, mark: GhostEdge['mark']) => {
    const e = baseEdges.get(transitionKey(k));
    if (e && drawn.has(e.source) && drawn.has(e.target)) ghostEdges.push({ ...e, id: `vd-${mark}:${e.id}`, mark });
  };
  for (const t of diff.transitions.changed) {
    const id = transitionKey(t);
    if (docEdges.has(id)) edges[id] = 'changed';
    if (t.fields.includes('target') && t.before.target) ghost(t, 'before');
  }
  for (const t of diff.transitions.removed) ghost(t, 'removed');
  return { nodes, edges, ghostNodes, ghostEdges };
}

/** The states a diff is about (to bring into view): changed or added states, both ends of changed transitions, removed states. */
export function diffFocus(diff: FlowDiff, doc: Flow): string[] {
  const ids = new Set<string>([...diff.states.added, ...diff.states.changed.map((c) => c.id), ...diff.forms.changed.map((f) => f.state), ...diff.states.removed]);
  for (const t of [...diff.transitions.added, ...diff.transitions.removed]) [t.source, t.target].forEach((id) => id && ids.add(id));
  for (const t of diff.transitions.changed) [t.source, t.before.target, t.after.target].forEach((id) => id && ids.add(id));
  // Removed states are drawn as ghosts; anything else must still be in the document.
  return [...ids].filter((id) => Object.hasOwn(doc.states ?? {}, id) || diff.states.removed.includes(id));
}
