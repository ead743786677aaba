// The instance's progress through its flow (placeholder until the diagram lands): the states in
// flow order, the current one marked.
import { useI18n } from '../i18n/index.tsx';

export function FlowProgress({ flow, current, visited }: { flow: { states: Record<string, { title: { zh: string; en?: string } }> }; current: string; visited: string[] }) {
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
