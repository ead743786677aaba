// A transition as an edge along the route the layout found (orthogonal, corners slightly
// rounded), its label in the box the layout reserved for it. Without a route (a node moved in a
// future editor) it falls back to a step path between the handles.
import { BaseEdge, EdgeLabelRenderer, getSmoothStepPath, type Edge, type EdgeProps } from '@xyflow/react';
import type { Box, Point } from './layout.ts';
import type { EdgeWords } from './words.ts';

export interface RouteEdgeData extends Record<string, unknown> {
  points: Point[];
  label?: Box;
  words: EdgeWords;
  traversed: boolean;
  /** The edge leaves the current state: one of the ways on from here. */
  next: boolean;
}
export type RouteEdgeType = Edge<RouteEdgeData, 'route'>;

/** A polyline through `points` with corners rounded by up to `r`. */
export function routePath(points: Point[], r = 8): string {
  if (points.length < 2) return '';
  const [first] = points as [Point];
  let d = `M${first.x},${first.y}`;
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i - 1]!;
    const c = points[i]!;
    const n = points[i + 1]!;
    const inLen = Math.hypot(c.x - p.x, c.y - p.y);
    const outLen = Math.hypot(n.x - c.x, n.y - c.y);
    const k = Math.min(r, inLen / 2, outLen / 2);
    if (k < 0.5) {
      d += ` L${c.x},${c.y}`;
      continue;
    }
    const a = { x: c.x - ((c.x - p.x) / inLen) * k, y: c.y - ((c.y - p.y) / inLen) * k };
    const b = { x: c.x + ((n.x - c.x) / outLen) * k, y: c.y + ((n.y - c.y) / outLen) * k };
    d += ` L${a.x},${a.y} Q${c.x},${c.y} ${b.x},${b.y}`;
  }
  const last = points[points.length - 1]!;
  return `${d} L${last.x},${last.y}`;
}

export function RouteEdge(props: EdgeProps<RouteEdgeType>) {
  const { id, data, markerEnd } = props;
  let path = data && data.points.length >= 2 ? routePath(data.points) : '';
  let label = data?.label;
  if (!path) {
    const [p, lx, ly] = getSmoothStepPath(props);
    path = p;
    if (label) label = { ...label, x: lx - label.width / 2, y: ly - label.height / 2 };
  }
  const cls = ['fd-edge', data?.traversed && 'is-traversed', data?.next && 'is-next'].filter(Boolean).join(' ');
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} className={cls} />
      {data && label && (
        <EdgeLabelRenderer>
          <div
            className={`fd-label${data.traversed ? ' is-traversed' : ''}${data.next ? ' is-next' : ''}`}
            data-edge={id}
            title={data.words.full}
            style={{ transform: `translate(${label.x}px, ${label.y}px)`, width: label.width, height: label.height }}
          >
            <span className="fd-label-event">{data.words.event}</span>
            {data.words.detail && <span className="fd-label-detail">{data.words.detail}</span>}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}
