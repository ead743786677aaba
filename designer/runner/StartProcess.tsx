// Start a new matter in one of the user's villages, from the flows published for it.
import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useLocation } from 'wouter';
import { useI18n } from '../i18n/index.tsx';
import { api } from '../app/trpc.ts';
import type { Me } from '../app/session.ts';
import { ErrorBox } from '../app/ui.tsx';

export function StartProcess({ me }: { me: Me }) {
  const { t, text } = useI18n();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  // An archived village starts nothing new (its matters stay readable elsewhere).
  const villages = me.villages.filter((v) => !v.archivedAt);
  const [villageId, setVillageId] = useState(villages[0]?.id ?? '');
  const [flowId, setFlowId] = useState('');
  const [title, setTitle] = useState('');
  const [error, setError] = useState<unknown>(null);
  const flows = useQuery({
    queryKey: ['flowsForVillage', villageId],
    queryFn: () => api.flows.forVillage.query({ villageId }),
    enabled: !!villageId,
    // Only the flows this user may start here: they hold one of its starter roles in this village.
    select: (list) => {
      const mine = new Set(me.user.roles.filter((g) => g.villageId === villageId || g.villageId === null).map((g) => g.role as string));
      return list.filter((f) => (f.flow as { starters: string[] }).starters.some((r) => mine.has(r)));
    },
  });

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      const chosen = flowId || flows.data?.[0]?.flowId;
      if (!chosen) return;
      const instance = await api.instances.start.mutate({ villageId, flowId: chosen, title: title.trim() || undefined });
      await qc.invalidateQueries({ queryKey: ['inbox'] });
      navigate(`/instances/${instance.id}`);
    } catch (err) {
      setError(err);
    }
  }

  if (villages.length === 0 || (flows.data && flows.data.length === 0 && villages.length === 1)) return null;
  return (
    <section aria-labelledby="start-title" className="panel">
      <h2 id="start-title">{t('runner.start')}</h2>
      <form onSubmit={submit} className="inline-form">
        <label>
          {t('runner.filterVillage')}
          <select value={villageId} onChange={(e) => setVillageId(e.target.value)}>
            {villages.map((v) => (
              <option key={v.id} value={v.id}>
                {v.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('runner.startFlow')}
          <select value={flowId} onChange={(e) => setFlowId(e.target.value)} name="flow">
            {(flows.data ?? []).map((f) => (
              <option key={f.flowId} value={f.flowId}>
                {text((f.flow as { title: { zh: string; en?: string } }).title)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('runner.startTitle')}
          <input name="title" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} />
        </label>
        <button type="submit">{t('runner.startButton')}</button>
      </form>
      {error !== null && <ErrorBox error={error} />}
    </section>
  );
}
