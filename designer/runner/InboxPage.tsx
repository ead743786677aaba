// 待办: the steps waiting on the user, overdue first, with how long each has waited; and starting
// a new matter from the village's published flows.
import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { useI18n } from '../i18n/index.tsx';
import { api } from '../app/trpc.ts';
import type { Me } from '../app/session.ts';
import { formatTime, Query, useDuration } from '../app/ui.tsx';
import { StartProcess } from './StartProcess.tsx';
import { ProvisionalNote, provisionalOf } from '../calendar/DueNotes.tsx';

export function InboxPage({ me }: { me: Me }) {
  const { t, text } = useI18n();
  const duration = useDuration();
  const inbox = useQuery({ queryKey: ['inbox'], queryFn: () => api.tasks.inbox.query() });
  const villages = new Map(me.villages.map((v) => [v.id, v.name]));
  return (
    <>
      <h1>{t('runner.inboxTitle')}</h1>
      <Query q={inbox}>
        {(tasks) =>
          tasks.length === 0 ? (
            <p>{t('runner.inboxEmpty')}</p>
          ) : (
            <ul className="cards" data-testid="inbox">
              {tasks.map((task) => (
                <li key={task.instanceId} className={task.overdue ? 'card overdue' : 'card'}>
                  <Link href={`/instances/${task.instanceId}`}>
                    <strong>{task.title}</strong>
                  </Link>
                  {task.overdue && <span className="badge danger">{t('runner.overdue')}</span>}
                  <div className="muted">
                    {villages.get(task.villageId) ?? task.villageId} · {text(task.flowTitle)} · {t('runner.step')}:{' '}
                    <span data-testid="task-state" data-state={task.state}>
                      {text(task.stepTitle)}
                    </span>
                  </div>
                  <div className="muted">
                    {t('runner.waited', { duration: duration(Date.now() - Date.parse(task.since)) })}
                    {task.due && ` · ${t('runner.due', { time: formatTime(task.due) })}`}
                  </div>
                  <ProvisionalNote years={provisionalOf(task)} />
                </li>
              ))}
            </ul>
          )
        }
      </Query>
      {me.villages.length > 0 && <StartProcess me={me} />}
    </>
  );
}
