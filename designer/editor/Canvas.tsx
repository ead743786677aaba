// The editable counterpart of the flow diagram: the flow as a graph (designer/diagram/graph.ts),
// laid out by ELK (designer/diagram/layout.ts) and movable by hand — a node dragged keeps its
// place (kept in the store, outside the flow). Nodes show their kind as the diagram does; edges
// are labelled with the event, and with roles and guard on hover or when selected. Dragging from
// a node's right handle to another node asks for the event (onConnect). Every validation error
// and legal issue is drawn on the node or edge it belongs to. Zoom, pan, minimap, fit view.
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import {
  Background,
  BaseEdge,
  Controls,
  EdgeLabelRenderer,
  Handle,
  MarkerType,
  MiniMap,
  Position,
  ReactFlow,
  getSmoothStepPath,
  useReactFlow,
  type Edge,
  type EdgeProps,
  type Node,
  type NodeChange,
  type NodeProps,
  type ReactFlowInstance,
  type Viewport,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useSelector } from '@xstate/store-react';
import { transitionKey, type StateKind, type TransitionRef } from '../../engine/index.ts';
import { useI18n } from '../i18n/index.tsx';
import { flowGraph, type DiagramFlow, type FlowGraph, type GraphNode } from '../diagram/graph.ts';
import { layoutGraph, type Box, type GraphLayout, type Point } from '../diagram/layout.ts';
import { routePath } from '../diagram/RouteEdge.tsx';
import { KindIcon } from '../diagram/StateNode.tsx';
import { edgeWords, labelSize, nodeSizer, type EdgeWords } from '../diagram/words.ts';
import { initialViewport } from '../diagram/viewport.ts';
import { reducedMotion, useViewMotion } from '../diagram/motion.ts';
import { useChecks, useDoc, useEditorStore } from './context.tsx';
import { selectionOf } from './document.ts';
import type { CanvasDiff, DiffMark } from './diffMarks.ts';

export type MarkLevel = 'error' | 'statutory' | 'warning';
export interface Mark {
  level: MarkLevel;
  message: string;
}
const worst = (marks: Mark[] | undefined): MarkLevel | undefined =>
  marks?.some((m) => m.level === 'error') ? 'error' : marks?.some((m) => m.level === 'statutory') ? 'statutory' : marks?.length ? 'warning' : undefined;

interface NodeData extends Record<string, unknown> {
  title: string;
  kind: StateKind;
  kindLabel: string;
  initial: boolean;
  initialLabel: string;
  marks: Mark[];
  onPath: boolean;
  /** Compared with another version: added, changed, or (drawn from that version) removed. */
  diff?: DiffMark;
  diffLabel?: string;
}
type EditorNodeType = Node<NodeData, 'state'>;

interface EdgeData extends Record<string, unknown> {
  ref: TransitionRef;
  route?: Point[];
  label: Box;
  words: EdgeWords;
  more: string;
  marks: Mark[];
  onPath: boolean;
  diff?: DiffMark;
  diffLabel?: string;
}
type EditorEdgeType = Edge<EdgeData, 'transition'>;

function MarkBadge({ marks }: { marks: Mark[] }) {
  const level = worst(marks);
  if (!level) return null;
  return (
    <span className={`ed-badge ed-badge-${level}`} title={marks.map((m) => m.message).join('\n')} data-testid="issue-badge">
      {level === 'warning' ? '!' : '✕'}
      {marks.length > 1 ? marks.length : ''}
    </span>
  );
}

const EditorNode = memo(function EditorNode({ id, data, selected }: NodeProps<EditorNodeType>) {
  const level = worst(data.marks);
  const cls = ['fd-node', 'ed-node', `fd-${data.kind}`, selected && 'ed-selected', level && `ed-has-${level}`, data.onPath && 'ed-onpath', data.diff && `vd-${data.diff}`].filter(Boolean).join(' ');
  return (
    <div className={cls} data-state={id} data-diff={data.diff} data-kind={data.kind} data-issue={level} data-onpath={data.onPath ? 'true' : undefined} title={data.marks.map((m) => m.message).join('\n') || undefined}>
      <Handle type="target" position={Position.Left} className="ed-handle ed-handle-target" />
      <div className="fd-node-kind">
        <KindIcon kind={data.kind} />
        <span>{data.kindLabel}</span>
        {data.initial && <span className="ed-initial">{data.initialLabel}</span>}
        <MarkBadge marks={data.marks} />
      </div>
      <div className="fd-node-title">{data.title}</div>
      {data.diff && <span className={`vd-tag vd-tag-${data.diff} vd-on-node`}>{data.diffLabel}</span>}
      {data.kind !== 'final' && <Handle type="source" position={Position.Right} className="ed-handle ed-handle-source" />}
    </div>
  );
});

function EditorEdge(props: EdgeProps<EditorEdgeType>) {
  const { id, data, selected, markerEnd, source, target, sourceX, sourceY, targetX, targetY } = props;
  const store = useEditorStore();
  const [hover, setHover] = useState(false);
  if (!data) return null;
  let path: string;
  let label: Box = data.label;
  if (data.route && data.route.length >= 2) {
    path = routePath(data.route);
  } else if (source === target) {
    // A loop back into the same step: over the top of the node.
    const lift = 70;
    path = `M${sourceX},${sourceY} C${sourceX + 60},${sourceY - lift} ${targetX - 60},${targetY - lift} ${targetX},${targetY}`;
    label = { ...label, x: (sourceX + targetX) / 2 - label.width / 2, y: sourceY - lift - label.height / 2 + 8 };
  } else {
    const [p, lx, ly] = getSmoothStepPath({ ...props, borderRadius: 8 });
    path = p;
    label = { ...label, x: lx - label.width / 2, y: ly - label.height / 2 };
  }
  const level = worst(data.marks);
  const cls = ['fd-edge', 'ed-edge', selected && 'ed-selected', level && `ed-has-${level}`, data.onPath && 'ed-onpath', data.diff && `vd-${data.diff}`].filter(Boolean).join(' ');
  const select = () => store.trigger.select({ selection: { kind: 'transition', ref: data.ref } });
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} className={cls} interactionWidth={16} />
      <EdgeLabelRenderer>
        <div
          className={['fd-label', 'ed-label', selected && 'ed-selected', level && `ed-has-${level}`, data.onPath && 'ed-onpath', data.diff && `vd-${data.diff}`].filter(Boolean).join(' ')}
          data-edge={id}
          data-diff={data.diff}
          data-issue={level}
          style={{ transform: `translate(${label.x}px, ${label.y}px)`, width: label.width, minHeight: label.height }}
          onClick={select}
          onMouseEnter={() => setHover(true)}
          onMouseLeave={() => setHover(false)}
          title={[data.words.full, ...data.marks.map((m) => m.message)].join('\n')}
        >
          <span className="fd-label-event">
            {data.words.event}
            <MarkBadge marks={data.marks} />
          </span>
          {data.words.detail && <span className="fd-label-detail">{data.words.detail}</span>}
          {(hover || selected) && data.more && <span className="ed-label-more">{data.more}</span>}
          {data.diff && <span className={`vd-tag vd-tag-${data.diff} vd-on-label`}>{data.diffLabel}</span>}
        </div>
      </EdgeLabelRenderer>
    </>
  );
}

const nodeTypes = { state: EditorNode };
const edgeTypes = { transition: EditorEdge };

/** Where the canvas should look: a node or an edge picked from the issue list. */
export interface FocusRequest {
  nodes: string[];
  tick: number;
  padding?: number;
}

export function Canvas({ onConnect, focus, height, diff = null }: { onConnect: (source: string, target: string) => void; focus: FocusRequest | null; height: number; diff?: CanvasDiff | null }) {
  const store = useEditorStore();
  const doc = useDoc();
  const checks = useChecks();
  const selection = useSelector(store, (s) => s.context.selection);
  const positions = useSelector(store, (s) => s.context.positions);
  const path = useSelector(store, (s) => s.context.path);
  const { t, text, role, lang } = useI18n();

  const docGraph = useMemo(() => flowGraph(doc as unknown as DiagramFlow), [doc]);
  // Compared with another version: its states and transitions this one lacks are drawn too.
  const graph = useMemo<FlowGraph>(() => (diff ? { nodes: [...docGraph.nodes, ...diff.ghostNodes], edges: [...docGraph.edges, ...diff.ghostEdges] } : docGraph), [docGraph, diff]);
  const diffOf = useCallback(
    (kind: 'nodes' | 'edges', id: string): Pick<NodeData, 'diff' | 'diffLabel'> => {
      const m = diff?.[kind][id] ?? (kind === 'nodes' ? diff?.ghostNodes.find((n) => n.id === id)?.mark : diff?.ghostEdges.find((e) => e.id === id)?.mark);
      return m ? { diff: m, diffLabel: t(`editor.versions.mark.${m}`) } : {};
    },
    [diff, t],
  );
  const words = useMemo(() => new Map<string, EdgeWords>(graph.edges.map((e) => [e.id, edgeWords(t, text, role, e, { cel: true })])), [graph, t, text, role]);
  const titles = useMemo(() => new Map(graph.nodes.map((n) => [n.id, text(n.title) || n.id])), [graph, text]);

  // Layout: redone when what is drawn changes (states, edges, their words); not on other edits.
  const layoutKey = useMemo(
    () => JSON.stringify([graph.nodes.map((n) => [n.id, titles.get(n.id)]), graph.edges.map((e) => [e.id, e.source, e.target, words.get(e.id)?.event, words.get(e.id)?.detail])]),
    [graph, titles, words],
  );
  const [laidOut, setLaidOut] = useState<{ key: string; layout: GraphLayout } | null>(null);
  useEffect(() => {
    let live = true;
    const nodeSize = nodeSizer(graph.nodes, (n: GraphNode) => titles.get(n.id) ?? n.id);
    const g: FlowGraph = graph;
    layoutGraph(g, { direction: 'RIGHT', nodeSize, labelSize: (e) => labelSize(words.get(e.id)!), layerSpacing: 56, nodeSpacing: 36 }).then(
      (layout) => live && setLaidOut({ key: layoutKey, layout }),
      (error: unknown) => console.error('editor layout failed', error),
    );
    return () => {
      live = false;
    };
  }, [layoutKey]);
  const layout = laidOut?.layout ?? null;
  const current = laidOut?.key === layoutKey;

  // Issues on the node or edge they belong to.
  const marks = useMemo(() => {
    const nodes = new Map<string, Mark[]>();
    const edges = new Map<string, Mark[]>();
    const edgeIds = new Set(graph.edges.map((e) => e.id));
    const put = (pointer: string, mark: Mark) => {
      const sel = selectionOf(doc, pointer);
      if (!sel) return;
      let map = nodes;
      let key: string;
      if (sel.kind === 'transition') {
        const eid = transitionKey(sel.ref);
        if (edgeIds.has(eid)) (map = edges), (key = eid);
        else key = sel.ref.source;
      } else key = sel.id;
      map.set(key, [...(map.get(key) ?? []), mark]);
    };
    for (const i of checks.errors) put(i.pointer, { level: 'error', message: i.message });
    for (const l of checks.legal) put(l.pointer, { level: l.level, message: text(l.message) });
    return { nodes, edges };
  }, [checks, doc, graph, text]);

  const onPath = useMemo(() => new Set(path), [path]);
  const pathPairs = useMemo(() => {
    const s = new Set<string>();
    for (let i = 1; i < path.length; i++) s.add(`${path[i - 1]}\u0000${path[i]}`);
    return s;
  }, [path]);

  const size = useMemo(() => nodeSizer(graph.nodes, (n) => titles.get(n.id) ?? n.id)(graph.nodes[0] ?? ({} as GraphNode)), [graph, titles]);
  const nodes = useMemo<EditorNodeType[]>(() => {
    let spare = 0;
    return graph.nodes.map((n) => {
      const box = layout?.nodes[n.id];
      const position = positions[n.id] ?? (box ? { x: box.x, y: box.y } : { x: 0, y: (layout?.height ?? 0) + 40 + 100 * spare++ });
      const ghost = diff?.ghostNodes.some((g) => g.id === n.id);
      return {
        id: n.id,
        type: 'state',
        position,
        ...(ghost ? { draggable: false, selectable: false, connectable: false } : {}),
        width: size.width,
        height: size.height,
        selected: selection?.kind === 'state' && selection.id === n.id,
        data: {
          title: titles.get(n.id) ?? n.id,
          kind: n.kind,
          kindLabel: t(`diagram.kinds.${n.kind}`),
          initial: n.initial,
          initialLabel: t('diagram.start'),
          marks: marks.nodes.get(n.id) ?? [],
          onPath: onPath.has(n.id),
          ...diffOf('nodes', n.id),
        },
      };
    });
  }, [graph, layout, positions, size, selection, titles, t, marks, onPath, diffOf]);

  const edges = useMemo<EditorEdgeType[]>(() => {
    return graph.edges.map((e) => {
      const ref = e.ref;
      const w = words.get(e.id)!;
      const route = current && !positions[e.source] && !positions[e.target] ? layout?.edges[e.id] : undefined;
      const selected = selection?.kind === 'transition' && transitionKey(selection.ref) === e.id;
      const more = [e.roles?.length ? t('diagram.roles', { roles: e.roles.map((r) => text(doc.roles?.[r]) || role(r)).join('、') }) : '', e.guard ? t('diagram.guard', { guard: e.guard }) : ''].filter(Boolean).join('；');
      const taken = pathPairs.has(`${e.source}\u0000${e.target}`);
      return {
        id: e.id,
        type: 'transition',
        source: e.source,
        target: e.target,
        selected,
        markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 },
        data: {
          ref,
          ...(route && route.points.length >= 2 ? { route: route.points } : {}),
          label: route?.label ?? { x: 0, y: 0, ...labelSize(w) },
          words: w,
          more,
          marks: marks.edges.get(e.id) ?? [],
          onPath: taken,
          ...diffOf('edges', e.id),
        },
      };
    });
  }, [graph, words, current, positions, layout, selection, doc, t, text, role, marks, pathPairs, diffOf]);

  const onNodesChange = useCallback(
    (changes: NodeChange<EditorNodeType>[]) => {
      for (const c of changes) if (c.type === 'position' && c.position) store.trigger.move({ id: c.id, position: c.position });
    },
    [store],
  );

  // The first view: the whole flow when it is readable so, else the start at a readable zoom.
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const first = useRef<Viewport | null>(null);
  if (!first.current && layout && width > 0) {
    const start = graph.nodes.find((n) => n.initial)?.id;
    first.current = initialViewport(layout, { width, height }, start ? layout.nodes[start] : undefined);
  }

  // Settled: the layout of what is drawn is done, and so is the move that follows it (Refit), any
  // look at an issue, and the fit-view button's fit. Browser tests wait on data-settled.
  const motion = useViewMotion();
  const [fitted, setFitted] = useState<Fitted | null>(null);
  const rf = useRef<ReactFlowInstance<EditorNodeType, EditorEdgeType> | null>(null);
  const settled = current && fitted?.key === layoutKey && (!focus?.nodes.length || fitted.tick >= focus.tick) && !motion.moving;

  return (
    <div className="ed-canvas" style={{ height }} data-testid="editor-canvas" data-lang={lang} data-layout={current ? 'ready' : 'pending'} data-settled={settled ? 'true' : 'false'} ref={box}>
      {layout && first.current ? (
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          onNodesChange={onNodesChange}
          onNodeClick={(_, n) => store.trigger.select({ selection: { kind: 'state', id: n.id } })}
          onEdgeClick={(_, e) => e.data && store.trigger.select({ selection: { kind: 'transition', ref: e.data.ref } })}
          onPaneClick={() => store.trigger.select({ selection: null })}
          onConnect={(c) => c.source && c.target && onConnect(c.source, c.target)}
          isValidConnection={(c) => doc.states[c.source]?.kind !== 'final'}
          connectionRadius={40}
          deleteKeyCode={null}
          multiSelectionKeyCode={null}
          selectionKeyCode={null}
          defaultViewport={first.current}
          minZoom={0.15}
          maxZoom={2.5}
          proOptions={{ hideAttribution: true }}
          onInit={(instance) => (rf.current = instance)}
        >
          <Background gap={24} size={1.2} />
          <MiniMap pannable zoomable style={{ width: 150, height: 96 }} ariaLabel={t('editor.canvas.minimap')} nodeClassName={(n) => `ed-mini fd-${(n.data as NodeData).kind}`} />
          <Controls showInteractive={false} fitViewOptions={FIT_VIEW} onFitView={() => rf.current && motion.track(rf.current.fitView(FIT_VIEW))} />
          <Refit layoutKey={layoutKey} ids={graph.nodes.map((n) => n.id)} layout={current ? layout : null} size={{ width, height }} focus={focus} onFitted={setFitted} />
        </ReactFlow>
      ) : (
        <p className="fd-loading muted">{t('diagram.loading')}</p>
      )}
    </div>
  );
}

/**
 * Keeps the flow in view as it changes: after a new layout, a flow that is readable whole is
 * fitted whole; a larger one is left where the reader put it, but a step just added is brought
 * into view. And it looks where the issue list asks (a focus request). It tells `onFitted` which
 * layout and which request its moves have reached (their animations done).
 */
function Refit({
  layoutKey,
  ids,
  layout,
  size,
  focus,
  onFitted,
}: {
  layoutKey: string;
  ids: string[];
  layout: GraphLayout | null;
  size: { width: number; height: number };
  focus: FocusRequest | null;
  onFitted: (update: (fitted: Fitted | null) => Fitted) => void;
}) {
  const rf = useReactFlow();
  const seenKey = useRef(layoutKey);
  const seenIds = useRef(new Set(ids));
  useEffect(() => {
    if (!layout) return;
    const done = () => onFitted((f) => ({ key: layoutKey, tick: f?.tick ?? -1 }));
    if (seenKey.current === layoutKey) return void done();
    seenKey.current = layoutKey;
    const added = ids.filter((id) => !seenIds.current.has(id));
    seenIds.current = new Set(ids);
    const fit = Math.min((size.width - 32) / Math.max(1, layout.width), (size.height - 32) / Math.max(1, layout.height));
    const duration = reducedMotion() ? 0 : 200;
    const options = fit >= READABLE ? { padding: 0.12, maxZoom: 1.1, duration } : added.length ? { nodes: added.map((id) => ({ id })), minZoom: READABLE, maxZoom: 1, duration } : null;
    if (!options) return void done();
    // A move interrupted by a newer one (a look at an issue) resolves when that one ends.
    const h = requestAnimationFrame(() => void rf.fitView(options).then(done));
    return () => cancelAnimationFrame(h);
  }, [layoutKey, layout]);
  // A request waits for a layout in progress (a diff shown adds states and edges to lay out).
  const looked = useRef(-1);
  useEffect(() => {
    if (!focus || !focus.nodes.length || !layout || looked.current === focus.tick) return;
    const { tick } = focus;
    looked.current = tick;
    let started = false;
    const h = requestAnimationFrame(() => {
      started = true;
      void rf.fitView({ nodes: focus.nodes.map((id) => ({ id })), padding: focus.padding ?? 0.6, maxZoom: 1.2, duration: reducedMotion() ? 0 : 250 }).then(() => onFitted((f) => ({ key: f?.key ?? '', tick: Math.max(tick, f?.tick ?? -1) })));
    });
    return () => {
      cancelAnimationFrame(h);
      // Not looked yet (the layout changed first): looked at once the new layout is there.
      if (!started) looked.current = -1;
    };
  }, [focus, rf, layout]);
  return null;
}

/** How far Refit has brought the view: the layout it fitted (or left as it was) and the last request it looked at. */
interface Fitted {
  key: string;
  tick: number;
}

const FIT_VIEW = { padding: 0.15, maxZoom: 1.1 };

/** Below this zoom the titles are too small to read. */
const READABLE = 0.6;
