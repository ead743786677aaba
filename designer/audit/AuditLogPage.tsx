// The township's audit log (township admin, auditor): administrative actions and every reveal of
// personal data (who, which matter, which field, when), newest first.
import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api } from '../app/trpc.ts';
import { formatTime, Query } from '../app/ui.tsx';
import { useI18n } from '../i18n/index.tsx';
import { ActorName } from './ActorName.tsx';

type Entry = Awaited<ReturnType<typeof api.audit.log.query>>[number];

export function AuditLogPage() {
  const { t } = useI18n();
  const q = useQuery({ queryKey: ['audit', 'log'], queryFn: () => api.audit.log.query({ limit: 500 }) });
  return (
    <article>
      <h1>{t('personal.log.title')}</h1>
      <p className="muted">{t('personal.log.intro')}</p>
      <Query q={q}>
        {(entries) =>
          entries.length === 0 ? (
            <p>{t('personal.log.empty')}</p>
          ) : (
            <table className="table" data-testid="audit-log">
              <thead>
                <tr>
                  <th>{t('personal.log.at')}</th>
                  <th>{t('personal.log.who')}</th>
                  <th>{t('personal.log.action')}</th>
                  <th>{t('personal.log.target')}</th>
                  <th>{t('personal.log.detail')}</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <Row key={e.id} entry={e} />
                ))}
              </tbody>
            </table>
          )
        }
      </Query>
    </article>
  );
}

function Row({ entry }: { entry: Entry }) {
  const { t, text, role } = useI18n();
  const words = entry.action.replace(/\./g, '_');
  const action = [`personal.log.actions.${words}`, `org.actions.${words}`, `roles.actions.${words}`].map((key) => (t(key) === key ? null : t(key))).find((x) => x) ?? entry.action;
  const d = entry.details as { title?: string; seq?: number; kind?: string; field?: { zh: string; en?: string } | null; item?: number | null; role?: string };
  const reveal = entry.action === 'personal.reveal';
  return (
    <tr data-testid="audit-entry" data-action={entry.action}>
      <td>{formatTime(entry.at)}</td>
      <td>
        <ActorName id={entry.actorId} names={entry.actorName ? { [entry.actorId]: entry.actorName } : {}} />
      </td>
      <td>{action}</td>
      <td>{reveal ? <Link href={`/audit/${entry.target}`}>{d.title ?? entry.target}</Link> : entry.targetName ? <>{entry.targetName} <span className="muted">{entry.target}</span></> : entry.target}</td>
      <td>{reveal ? t('personal.log.revealDetail', { field: d.field ? text(d.field) : t(`personal.kinds.${d.kind}`), item: d.item ? t('personal.log.item', { n: d.item }) : '', kind: t(`personal.kinds.${d.kind}`), seq: d.seq ?? '', role: role(d.role ?? '') }) : ''}</td>
    </tr>
  );
}
