// A state as a node: its kind shown three ways (icon, colour, outline shape — see app.css,
// section diagram), its title, and whether it is the current step or one already passed.
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import type { StateKind } from '../../engine/index.ts';

export interface StateNodeData extends Record<string, unknown> {
  title: string;
  kind: StateKind;
  kindLabel: string;
  /** "当前步骤" on the current node, "已经过" on a visited one. */
  status?: string;
  current: boolean;
  visited: boolean;
  initial: boolean;
  outcome?: string;
  vertical: boolean;
}
export type StateNodeType = Node<StateNodeData, 'state'>;

export function KindIcon({ kind }: { kind: StateKind }) {
  const common = { width: 16, height: 16, viewBox: '0 0 24 24', fill: 'none', stroke: 'currentColor', strokeWidth: 2.2, strokeLinecap: 'round' as const, strokeLinejoin: 'round' as const, 'aria-hidden': true, focusable: false };
  switch (kind) {
    case 'task': // a form
      return (
        <svg {...common}>
          <rect x="5" y="3" width="14" height="18" rx="2" />
          <path d="M9 8h6M9 12h6M9 16h4" />
        </svg>
      );
    case 'vote': // a ballot going into the box
      return (
        <svg {...common}>
          <path d="M9 11V3h6v8" />
          <rect x="3" y="11" width="18" height="10" rx="1.5" />
          <path d="M7 11h10" />
        </svg>
      );
    case 'review': // a seal with a tick
      return (
        <svg {...common}>
          <path d="M12 3l7 3v5c0 4.5-3 8-7 10-4-2-7-5.5-7-10V6z" />
          <path d="M8.5 12l2.5 2.5 4.5-5" />
        </svg>
      );
    case 'disclosure': // the notice board
      return (
        <svg {...common}>
          <rect x="3" y="3" width="18" height="12" rx="1.5" />
          <path d="M7 21v-6M17 21v-6M7 7h10M7 11h6" />
        </svg>
      );
    case 'final': // a flag at the finish
      return (
        <svg {...common}>
          <path d="M5 21V3" />
          <path d="M5 4h13l-3 4 3 4H5" />
        </svg>
      );
  }
}

function StatusMark({ current }: { current: boolean }) {
  return current ? (
    <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true" focusable="false">
      <path d="M2 1l9 5-9 5z" fill="currentColor" />
    </svg>
  ) : (
    <svg width="13" height="13" viewBox="0 0 24 24" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" strokeWidth="3.5" strokeLinecap="round" strokeLinejoin="round">
      <path d="M4 12.5l5 5L20 6" />
    </svg>
  );
}

export function StateNode({ id, data }: NodeProps<StateNodeType>) {
  const cls = ['fd-node', `fd-${data.kind}`, data.current && 'is-current', data.visited && !data.current && 'is-visited', data.outcome && `fd-outcome-${data.outcome}`].filter(Boolean).join(' ');
  return (
    <div className={cls} data-state={id} data-kind={data.kind} data-current={data.current ? 'true' : undefined} data-visited={data.visited ? 'true' : undefined}>
      <Handle type="target" position={data.vertical ? Position.Top : Position.Left} isConnectable={false} className="fd-handle" />
      <div className="fd-node-kind">
        <KindIcon kind={data.kind} />
        <span>{data.kindLabel}</span>
        {data.status && (
          <span className="fd-node-status">
            <StatusMark current={data.current} />
            {data.status}
          </span>
        )}
      </div>
      <div className="fd-node-title">{data.title}</div>
      <Handle type="source" position={data.vertical ? Position.Bottom : Position.Right} isConnectable={false} className="fd-handle" />
    </div>
  );
}
