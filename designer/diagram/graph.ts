// A flow as a graph: one node per state, one edge per transition that leads somewhere — every
// target of `on` (a state id, a transition object, or an array of those) and of `after` (timers).
// Pure and language-free: the edge keeps its parts (event, guard, roles, description, timer) and
// the view turns them into words. Transitions without a target (record only, stay) are not edges;
// transitions to an unknown state (a flow still being edited) are left out rather than fail.
import { transitionKey, transitionsOf, type AfterObject, type Calendar, type StateKind, type Text, type TransitionConfig, type TransitionRef } from '../../engine/index.ts';

/** The part of a flow the diagram reads; a full `Flow` fits. */
export interface DiagramFlow {
  initial?: string;
  states: Record<string, DiagramState>;
}
export interface DiagramState {
  kind: StateKind;
  title: Text;
  outcome?: string;
  on?: Record<string, TransitionConfig | TransitionConfig[]>;
  after?: Record<string, string | AfterObject>;
}

export interface GraphNode {
  id: string;
  kind: StateKind;
  title: Text;
  /** The flow's first state. */
  initial: boolean;
  /** A final state's outcome (adopted, rejected, …). */
  outcome?: string;
}

export interface GraphEdge {
  /** Unique: the transition's key (engine/transitions.ts: `source#EVENT#index`, a timer `source:after:P5D`). */
  id: string;
  /** The transition this edge draws. */
  ref: TransitionRef;
  source: string;
  target: string;
  /** The event name (`SUBMIT`, `VOTE.PASSED`, …); for a timer `after`. */
  event: string;
  /** For a timer: its ISO-8601 duration and calendar. */
  after?: { duration: string; calendar?: Calendar };
  guard?: string;
  roles?: string[];
  description?: Text;
}

export interface FlowGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export function flowGraph(flow: DiagramFlow): FlowGraph {
  const ids = new Set(Object.keys(flow.states));
  const nodes: GraphNode[] = Object.entries(flow.states).map(([id, s]) => ({
    id,
    kind: s.kind,
    title: s.title,
    initial: id === flow.initial,
    ...(s.outcome ? { outcome: s.outcome } : {}),
  }));
  const edges: GraphEdge[] = [];
  for (const { ref, t: o } of transitionsOf(flow)) {
    if (!o.target || !ids.has(o.target)) continue;
    edges.push({
      id: transitionKey(ref),
      ref,
      source: ref.source,
      target: o.target,
      event: ref.event,
      ...(ref.duration !== undefined ? { after: { duration: ref.duration, ...(o.calendar ? { calendar: o.calendar } : {}) } } : {}),
      ...(o.guard ? { guard: o.guard } : {}),
      ...(o.roles ? { roles: o.roles } : {}),
      ...(o.description ? { description: o.description } : {}),
    });
  }
  return { nodes, edges };
}
