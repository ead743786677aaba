// A flow drawn as a diagram, read-only: the states as nodes (their kind by icon, colour and
// outline), the transitions as labelled edges, laid out automatically (ELK, layers left to
// right), the current step highlighted, the steps already passed ticked, the edges taken drawn
// green. For screen readers the same content is an ordered list of the steps (visually hidden),
// and the drawing itself is hidden from them. Read-only: nothing in the drawing takes focus; the
// zoom buttons are ordinary buttons; the mouse wheel scrolls the page, not the drawing.
//
// When the whole flow fits at a readable size it is shown whole ("fit view"); a long flow is
// shown at a readable zoom, centred on the current step, and "show the whole flow" fits it all.
import { useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Background, ReactFlow, ReactFlowProvider, useReactFlow, type Viewport } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useI18n } from '../i18n/index.tsx';
import { flowGraph, type DiagramFlow, type FlowGraph, type GraphNode } from './graph.ts';
import { layoutGraph, type GraphLayout } from './layout.ts';
import { reducedMotion, useViewMotion } from './motion.ts';
import { initialViewport } from './viewport.ts';
import { RouteEdge, type RouteEdgeType } from './RouteEdge.tsx';
import { KindIcon, StateNode, type StateNodeType } from './StateNode.tsx';
import { edgeWords, labelSize, nodeSizer, type EdgeWords } from './words.ts';

export interface FlowDiagramProps {
  flow: DiagramFlow;
  /** The instance's current state, highlighted. */
  current?: string;
  /** The states the instance has been in, oldest first (repeats allowed). */
  visited?: string[];
  /** Height of the drawing in px (default 420). */
  height?: number;
}

const nodeTypes = { state: StateNode };
const edgeTypes = { route: RouteEdge };
const KINDS = ['task', 'vote', 'review', 'disclosure', 'final'] as const;

export function FlowDiagram({ flow, current, visited = [], height = 420 }: FlowDiagramProps) {
  const { t, text, role, lang, largeText } = useI18n();
  const graph = useMemo(() => flowGraph(flow), [flow]);
  const words = useMemo(() => new Map<string, EdgeWords>(graph.edges.map((e) => [e.id, edgeWords(t, text, role, e)])), [graph, t, text, role]);
  const titles = useMemo(() => new Map(graph.nodes.map((n) => [n.id, text(n.title)])), [graph, text]);

  // Layout: redone when the flow or the words drawn (the language) change, as they set the sizes.
  const wordsKey = useMemo(() => JSON.stringify([[...titles], [...words].map(([id, w]) => [id, w.event, w.detail])]), [titles, words]);
  const [laidOut, setLaidOut] = useState<{ graph: FlowGraph; key: string; layout: GraphLayout } | null>(null);
  useEffect(() => {
    let live = true;
    const nodeSize = nodeSizer(graph.nodes, (n: GraphNode) => titles.get(n.id) ?? n.id);
    layoutGraph(graph, { direction: 'RIGHT', nodeSize, labelSize: (e) => labelSize(words.get(e.id)!) }).then(
      (layout) => live && setLaidOut({ graph, key: wordsKey, layout }),
      (error: unknown) => console.error('flow diagram layout failed', error),
    );
    return () => {
      live = false;
    };
    // titles and words are read through wordsKey: a new Map with the same words needs no new layout.
  }, [graph, wordsKey]);
  // A layout made for other words (before a language switch) would not fit them: wait for the new one.
  const layout = laidOut && laidOut.graph === graph && laidOut.key === wordsKey ? laidOut.layout : null;

  // Where the instance has been: visited states, and the transitions taken between them.
  // Callers may pass a new array on every render: the memos below follow its content.
  const visitedKey = visited.join('\u0000');
  const seen = useMemo(() => new Set(visited), [visitedKey]);
  // A state repeats in the history for every event that stays in it (each ballot, say), so the
  // repeats are not transitions: self-loops are never marked as taken.
  const taken = useMemo(() => {
    const path = [...visited];
    if (current && path[path.length - 1] !== current) path.push(current);
    const pairs = new Set<string>();
    for (let i = 1; i < path.length; i++) if (path[i - 1] !== path[i]) pairs.add(`${path[i - 1]}\u0000${path[i]}`);
    return pairs;
  }, [visitedKey, current]);

  const uid = useId().replace(/[^a-zA-Z0-9_-]/g, '');
  const marker = (k: 'plain' | 'taken' | 'next') => `fd-${uid}-arrow-${k}`;

  const nodes = useMemo<StateNodeType[]>(() => {
    if (!layout) return [];
    return graph.nodes.map((n) => {
      const box = layout.nodes[n.id]!;
      const isCurrent = n.id === current;
      const isVisited = seen.has(n.id);
      return {
        id: n.id,
        type: 'state',
        position: { x: box.x, y: box.y },
        width: box.width,
        height: box.height,
        draggable: false,
        selectable: false,
        focusable: false,
        data: {
          title: titles.get(n.id) ?? n.id,
          kind: n.kind,
          kindLabel: t(`diagram.kinds.${n.kind}`),
          ...(isCurrent ? { status: t('diagram.current') } : isVisited ? { status: t('diagram.visited') } : {}),
          current: isCurrent,
          visited: isVisited,
          initial: n.initial,
          ...(n.outcome ? { outcome: n.outcome } : {}),
          vertical: false,
        },
      };
    });
  }, [layout, graph, current, seen, titles, t]);

  const edges = useMemo<RouteEdgeType[]>(() => {
    if (!layout) return [];
    return graph.edges.map((e) => {
      const route = layout.edges[e.id];
      const traversed = taken.has(`${e.source}\u0000${e.target}`);
      const next = !traversed && e.source === current && e.source !== e.target;
      return {
        id: e.id,
        type: 'route',
        source: e.source,
        target: e.target,
        selectable: false,
        focusable: false,
        markerEnd: marker(traversed ? 'taken' : next ? 'next' : 'plain'),
        data: { points: route?.points ?? [], ...(route?.label ? { label: route.label } : {}), words: words.get(e.id)!, traversed, next },
      } satisfies RouteEdgeType;
    })
      // Highlighted edges are drawn last, over the others (not with a z-index: that would lift
      // them over the labels too).
      .sort((a, b) => Number(a.data.traversed || a.data.next) - Number(b.data.traversed || b.data.next));
  }, [layout, graph, taken, current, words, uid]);

  // The drawing needs its width before the first view can be chosen.
  const canvas = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = canvas.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const textScale = largeText ? 21 / 17 : 1;
  const hasWidth = width > 0;
  // The first view only: later resizes keep what the reader chose (the width is read, not watched).
  const first = useMemo(() => {
    if (!layout || !hasWidth) return null;
    const focus = current ?? graph.nodes.find((n) => n.initial)?.id;
    return initialViewport(layout, { width: canvas.current?.clientWidth ?? width, height }, focus ? layout.nodes[focus] : undefined, textScale);
  }, [layout, hasWidth, height, current, graph, textScale]);

  const currentTitle = current ? titles.get(current) : undefined;
  const motion = useViewMotion();
  return (
    <figure className="flow-diagram" aria-label={t('diagram.label', { flow: currentTitle ? `${t('diagram.current')} ${currentTitle}` : t('diagram.title') })} data-testid="diagram" data-lang={lang} data-settled={layout && first && !motion.moving ? 'true' : 'false'}>
      <StepList graph={graph} titles={titles} words={words} current={current} seen={seen} />
      <figcaption className="fd-legend" aria-hidden="true">
        {KINDS.filter((k) => graph.nodes.some((n) => n.kind === k)).map((k) => (
          <span key={k} className={`fd-legend-item fd-${k}`}>
            <KindIcon kind={k} />
            {t(`diagram.kinds.${k}`)}
          </span>
        ))}
        {current && <span className="fd-legend-item fd-legend-current">{t('diagram.current')}</span>}
        {visited.length > 0 && <span className="fd-legend-item fd-legend-visited">{t('diagram.visited')}</span>}
      </figcaption>
      <svg className="fd-defs" aria-hidden="true" focusable="false" width="0" height="0">
        <defs>
          {(['plain', 'taken', 'next'] as const).map((k) => (
            <marker key={k} id={marker(k)} className={`fd-marker fd-marker-${k}`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="14" markerHeight="14" markerUnits="userSpaceOnUse" orient="auto-start-reverse">
              <path d="M0,0.5 L10,5 L0,9.5 z" />
            </marker>
          ))}
        </defs>
      </svg>
      <div className="fd-canvas" ref={canvas} style={{ height }}>
        {layout && first ? (
          <ReactFlowProvider key={`${lang}:${current ?? ''}`}>
            <div className="fd-graph" aria-hidden="true">
              <ReactFlow
                nodes={nodes}
                edges={edges}
                nodeTypes={nodeTypes}
                edgeTypes={edgeTypes}
                defaultViewport={first}
                minZoom={0.2}
                maxZoom={2.5}
                nodesDraggable={false}
                nodesConnectable={false}
                nodesFocusable={false}
                edgesFocusable={false}
                elementsSelectable={false}
                disableKeyboardA11y
                zoomOnScroll={false}
                panOnScroll={false}
                preventScrolling={false}
                zoomOnDoubleClick
                proOptions={{ hideAttribution: true }}
              >
                <Background gap={24} size={1.2} />
              </ReactFlow>
            </div>
            <ZoomButtons first={first} hasCurrent={!!current} track={motion.track} />
          </ReactFlowProvider>
        ) : (
          <p className="fd-loading muted">{t('diagram.loading')}</p>
        )}
      </div>
    </figure>
  );
}

/** Zoom buttons, outside the drawing so screen readers and keyboards reach them. */
function ZoomButtons({ first, hasCurrent, track }: { first: Viewport; hasCurrent: boolean; track(move: Promise<unknown>): void }) {
  const { t } = useI18n();
  const rf = useReactFlow();
  const duration = reducedMotion() ? 0 : 200;
  const fit = useCallback(() => track(rf.fitView({ padding: 0.04, duration })), [rf, duration, track]);
  return (
    <div className="fd-controls" role="group" aria-label={t('diagram.controls')}>
      <button type="button" className="secondary" onClick={() => track(rf.zoomIn({ duration }))} aria-label={t('diagram.zoomIn')} title={t('diagram.zoomIn')}>
        <span aria-hidden="true">＋</span>
      </button>
      <button type="button" className="secondary" onClick={() => track(rf.zoomOut({ duration }))} aria-label={t('diagram.zoomOut')} title={t('diagram.zoomOut')}>
        <span aria-hidden="true">－</span>
      </button>
      <button type="button" className="secondary" onClick={fit}>
        {t('diagram.fit')}
      </button>
      <button type="button" className="secondary" onClick={() => track(rf.setViewport(first, { duration }))}>
        {t(hasCurrent ? 'diagram.focusCurrent' : 'diagram.reset')}
      </button>
    </div>
  );
}

/** The diagram for screen readers: the steps in the flow's order, each with where it leads. */
function StepList({
  graph,
  titles,
  words,
  current,
  seen,
}: {
  graph: FlowGraph;
  titles: Map<string, string>;
  words: Map<string, EdgeWords>;
  current?: string;
  seen: Set<string>;
}) {
  const { t } = useI18n();
  return (
    <ol className="fd-visually-hidden" aria-label={t('diagram.steps')}>
      {graph.nodes.map((n) => {
        const out = graph.edges.filter((e) => e.source === n.id);
        const marks = [t(`diagram.kinds.${n.kind}`), n.initial && t('diagram.start'), n.id === current ? t('diagram.current') : seen.has(n.id) && t('diagram.visited')].filter(Boolean);
        return (
          <li key={n.id} aria-current={n.id === current ? 'step' : undefined}>
            {t('diagram.stepMarks', { title: titles.get(n.id) ?? n.id, marks: marks.join(t('diagram.separator')) })}
            {out.length > 0 && (
              <ul>
                {out.map((e) => (
                  <li key={e.id}>{t('diagram.transition', { event: words.get(e.id)?.full ?? e.event, target: titles.get(e.target) ?? e.target })}</li>
                ))}
              </ul>
            )}
          </li>
        );
      })}
    </ol>
  );
}
