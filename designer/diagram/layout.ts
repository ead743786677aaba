// Automatic layout of a flow graph with ELK's layered algorithm (elkjs): node boxes, orthogonal
// edge routes and edge-label boxes, all in one coordinate system whose origin is the top-left of
// the drawing. ELK places the labels itself (as part of the layers), so labels neither overlap
// nodes nor sit on other edges. Same graph and options → same layout (ELK's layered algorithm is
// deterministic; the model order is the flow's own order). ELK is loaded on first use, so the
// ~1.5 MB engine is a separate chunk of the web app.
import type { ElkExtendedEdge, ElkNode, ELK as ElkApi } from 'elkjs/lib/elk-api.js';
import type { FlowGraph, GraphEdge, GraphNode } from './graph.ts';

export interface Size {
  width: number;
  height: number;
}
export interface Point {
  x: number;
  y: number;
}
/** A box: top-left corner and size. */
export interface Box extends Point, Size {}
export interface EdgeRoute {
  /** Start, bend points, end: draw straight segments between them. */
  points: Point[];
  label?: Box;
}
export interface GraphLayout extends Size {
  nodes: Record<string, Box>;
  edges: Record<string, EdgeRoute>;
}
export interface LayoutOptions {
  /** Layers run downwards or to the right (default). */
  direction?: 'DOWN' | 'RIGHT';
  nodeSize?: (node: GraphNode) => Size;
  /** The edge's label box, or null for no label. */
  labelSize?: (edge: GraphEdge) => Size | null;
  /** Space between layers and between nodes of a layer (default 40 and 28). */
  layerSpacing?: number;
  nodeSpacing?: number;
}

const DEFAULT_NODE: Size = { width: 180, height: 64 };

let engine: Promise<ElkApi> | undefined;
function elk(): Promise<ElkApi> {
  engine ??= import('elkjs/lib/elk.bundled.js').then(({ default: ELK }) => new ELK());
  return engine;
}

/** Starts loading ELK now (a page that will lay out a flow: while it fetches the flow). */
export function preloadLayout(): void {
  void elk();
}

/**
 * Above this many states ELK's network-simplex node placement is most of the layout time; Brandes-
 * Köpf places them in about half the time with much the same drawing (a 100-state flow: ≈ 200 →
 * 100 ms warm). The bundled flows (14 states at most) stay below it and keep their layouts.
 */
const LARGE_GRAPH = 40;

/**
 * The nodes in the order the layout should read them: breadth-first from the initial state
 * (ties in the flow's order), unreachable states last. With ELK's model-order cycle breaking a
 * transition to a state earlier in this order is drawn as a way back — 退回, 重新公开 — so the
 * main line of the flow runs straight from start to end.
 */
export function readingOrder(graph: FlowGraph): GraphNode[] {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const starts = graph.nodes.filter((n) => n.initial);
  const order: GraphNode[] = [];
  const seen = new Set<string>();
  const queue = (starts.length ? starts : graph.nodes.slice(0, 1)).map((n) => n.id);
  for (const id of queue) seen.add(id);
  while (queue.length) {
    const id = queue.shift()!;
    order.push(byId.get(id)!);
    for (const e of graph.edges) {
      if (e.source === id && !seen.has(e.target) && byId.has(e.target)) {
        seen.add(e.target);
        queue.push(e.target);
      }
    }
  }
  for (const n of graph.nodes) if (!seen.has(n.id)) order.push(n);
  return order;
}

export async function layoutGraph(graph: FlowGraph, options: LayoutOptions = {}): Promise<GraphLayout> {
  const nodeSize = options.nodeSize ?? (() => DEFAULT_NODE);
  const labelSize = options.labelSize ?? (() => null);
  const layer = options.layerSpacing ?? 40;
  const gap = options.nodeSpacing ?? 28;
  const root: ElkNode = {
    id: '__root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': options.direction ?? 'RIGHT',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.padding': '[top=8,left=8,bottom=8,right=8]',
      'elk.spacing.nodeNode': String(gap),
      'elk.layered.spacing.nodeNodeBetweenLayers': String(layer),
      'elk.spacing.edgeNode': '14',
      'elk.spacing.edgeEdge': '10',
      'elk.layered.spacing.edgeNodeBetweenLayers': '16',
      'elk.layered.spacing.edgeEdgeBetweenLayers': '10',
      'elk.spacing.edgeLabel': '4',
      'elk.spacing.labelNode': '6',
      'elk.layered.cycleBreaking.strategy': 'MODEL_ORDER',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      'elk.layered.nodePlacement.strategy': graph.nodes.length > LARGE_GRAPH ? 'BRANDES_KOEPF' : 'NETWORK_SIMPLEX',
      'elk.layered.crossingMinimization.strategy': 'LAYER_SWEEP',
      'elk.randomSeed': '1',
    },
    children: readingOrder(graph).map((n) => ({ id: n.id, ...nodeSize(n) })),
    edges: graph.edges.map((e): ElkExtendedEdge => {
      const label = labelSize(e);
      return {
        id: e.id,
        sources: [e.source],
        targets: [e.target],
        ...(label ? { labels: [{ id: `${e.id}#label`, text: e.id, ...label, layoutOptions: { 'elk.edgeLabels.placement': 'CENTER', 'elk.edgeLabels.inline': 'true' } }] } : {}),
      };
    }),
  };
  const out = await (await elk()).layout(root);
  const nodes: Record<string, Box> = {};
  for (const c of out.children ?? []) nodes[c.id] = { x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 };
  const edges: Record<string, EdgeRoute> = {};
  for (const e of (out.edges ?? []) as ElkExtendedEdge[]) {
    const points: Point[] = [];
    for (const s of e.sections ?? []) {
      for (const p of [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]) {
        const last = points[points.length - 1];
        if (!last || last.x !== p.x || last.y !== p.y) points.push({ x: p.x, y: p.y });
      }
    }
    const l = e.labels?.[0];
    edges[e.id] = { points, ...(l ? { label: { x: l.x ?? 0, y: l.y ?? 0, width: l.width ?? 0, height: l.height ?? 0 } } : {}) };
  }
  return { width: out.width ?? 0, height: out.height ?? 0, nodes, edges };
}
