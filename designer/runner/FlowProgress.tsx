// The instance's progress through its flow: the flow diagram with the current step highlighted
// and the steps passed ticked; on a narrow screen (a phone), where a graph is unreadable, the
// steps as a simple list in flow order, the current one marked.
import { useSyncExternalStore } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { FlowDiagram } from '../diagram/FlowDiagram.tsx';
import type { DiagramFlow } from '../diagram/graph.ts';

const NARROW = '(max-width: 40rem)';

function subscribe(onChange: () => void): () => void {
  if (typeof matchMedia !== 'function') return () => {};
  const q = matchMedia(NARROW);
  q.addEventListener('change', onChange);
  return () => q.removeEventListener('change', onChange);
}
function isNarrow(): boolean {
  return typeof matchMedia === 'function' && matchMedia(NARROW).matches;
}

export function FlowProgress({ flow, current, visited }: { flow: DiagramFlow; current: string; visited: string[] }) {
  const narrow = useSyncExternalStore(subscribe, isNarrow, () => false);
  if (!narrow) return <FlowDiagram flow={flow} current={current} visited={visited} height={420} />;
  return <StepList flow={flow} current={current} visited={visited} />;
}

function StepList({ flow, current, visited }: { flow: DiagramFlow; current: string; visited: string[] }) {
  const { text } = useI18n();
  const seen = new Set(visited);
  return (
    <ol className="progress" data-testid="progress">
      {Object.entries(flow.states).map(([id, s]) => (
        <li key={id} aria-current={id === current ? 'step' : undefined} className={id === current ? 'current' : seen.has(id) ? 'visited' : ''}>
          {text(s.title)}
        </li>
      ))}
    </ol>
  );
}
