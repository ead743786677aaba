// All matters the user can see, filtered by village, status and overdue.
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { useI18n } from '../i18n/index.tsx';
import { api } from '../app/trpc.ts';
import type { Me } from '../app/session.ts';
import { formatTime, Query } from '../app/ui.tsx';

export function InstancesPage({ me }: { me: Me }) {
  const { t, text } = useI18n();
  const [villageId, setVillageId] = useState('');
  const [status, setStatus] = useState<'' | 'active' | 'done'>('');
  const [overdue, setOverdue] = useState(false);
  const list = useQuery({
    queryKey: ['instances', villageId, status, overdue],
    queryFn: () => api.instances.list.query({ villageId: villageId || undefined, status: status || undefined, overdue: overdue || undefined }),
  });
  const villages = new Map(me.villages.map((v) => [v.id, v.name]));
  return (
    <>
      <h1>{t('runner.instancesTitle')}</h1>
      <div className="inline-form" role="search">
        <label>
          {t('runner.filterVillage')}
          <select value={villageId} onChange={(e) => setVillageId(e.target.value)}>
            <option value="">{t('runner.all')}</option>
            {me.villages.map((v) => (
              <option key={v.id} value={v.id}>
                {v.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('runner.filterStatus')}
          <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
            <option value="">{t('runner.all')}</option>
            <option value="active">{t('runner.active')}</option>
            <option value="done">{t('runner.done')}</option>
          </select>
        </label>
        <label>
          <input type="checkbox" checked={overdue} onChange={(e) => setOverdue(e.target.checked)} />
          {t('runner.filterOverdue')}
        </label>
      </div>
      <Query q={list}>
        {(rows) => (
          <table className="table">
            <thead>
              <tr>
                <th>{t('runner.startTitle')}</th>
                <th>{t('runner.filterVillage')}</th>
                <th>{t('runner.step')}</th>
                <th>{t('runner.filterStatus')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {rows.map((i) => (
                <tr key={i.id}>
                  <td>
                    <Link href={`/instances/${i.id}`}>{i.title}</Link>
                  </td>
                  <td>{villages.get(i.villageId) ?? i.villageId}</td>
                  <td>
                    <span data-testid="instance-state" data-state={i.state}>
                      {text(i.stepTitle)}
                    </span>
                  </td>
                  <td>{i.status === 'done' ? t(`runner.outcomes.${i.outcome}`) : `${t('runner.active')} · ${formatTime(i.updatedAt)}`}</td>
                  <td>
                    <Link href={`/audit/${i.id}`}>{t('runner.audit')}</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Query>
    </>
  );
}
