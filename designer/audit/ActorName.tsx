// Who acted, as people know them: the one way the audit pages name a person.
import { useI18n } from '../i18n/index.tsx';

/**
 * A person by display name, their id beside it (muted). The system (timers, a new year's calendar)
 * reads as 系统; an account no longer known keeps its id, marked as such.
 */
export function ActorName({ id, names }: { id: string | undefined; names: Record<string, string> }) {
  const { t, role } = useI18n();
  if (id === 'system') return <span data-testid="actor-name">{role('system')}</span>;
  const name = id ? names[id] : undefined;
  if (!name) return <span data-testid="actor-name">{t('audit.unknownPerson')} <span className="mono muted">{id}</span></span>;
  return (
    <span data-testid="actor-name">
      {name} <span className="mono muted">{id}</span>
    </span>
  );
}
