// A flow as a graph: one node per state, one edge per transition that leads somewhere — every
// target of `on` (a state id, a transition object, or an array of those) and of `after` (timers).
// Pure and language-free: the edge keeps its parts (event, guard, roles, description, timer) and
// the view turns them into words. Transitions without a target (record only, stay) are not edges;
// transitions to an unknown state (a flow still being edited) are left out rather than fail.
import type { Calendar, StateKind, Text, TransitionConfig } from '../../engine/types.ts';

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
  after?: Record<string, string | { target: string; guard?: string; calendar?: Calendar; description?: Text }>;
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
  /** Unique: `<source>:<event>` plus `:<n>` for the n-th transition of an array. */
  id: string;
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
  for (const [source, s] of Object.entries(flow.states)) {
    for (const [event, config] of Object.entries(s.on ?? {})) {
      const list = Array.isArray(config) ? config : [config];
      list.forEach((t, i) => {
        const o = typeof t === 'string' ? { target: t } : t;
        if (!o.target || !ids.has(o.target)) return;
        edges.push({
          id: list.length > 1 ? `${source}:${event}:${i}` : `${source}:${event}`,
          source,
          target: o.target,
          event,
          ...(o.guard ? { guard: o.guard } : {}),
          ...(o.roles ? { roles: o.roles } : {}),
          ...(o.description ? { description: o.description } : {}),
        });
      });
    }
    for (const [duration, config] of Object.entries(s.after ?? {})) {
      const o = typeof config === 'string' ? { target: config } : config;
      if (!o.target || !ids.has(o.target)) continue;
      edges.push({
        id: `${source}:after:${duration}`,
        source,
        target: o.target,
        event: 'after',
        after: { duration, ...('calendar' in o && o.calendar ? { calendar: o.calendar } : {}) },
        ...('guard' in o && o.guard ? { guard: o.guard } : {}),
        ...('description' in o && o.description ? { description: o.description } : {}),
      });
    }
  }
  return { nodes, edges };
}
