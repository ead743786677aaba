// Under the Versions panel once a version is published: the running instances of the flow's other
// versions, each with where it would land in this version (the same step, or one the admin picks),
// what stops it in words, and a button that migrates it. The server re-checks everything; a
// migration is a record in the instance's own history.
import { useState } from 'react';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api } from '../app/trpc.ts';
import { useErrorText } from '../app/ui.tsx';
import { useI18n } from '../i18n/index.tsx';

type Plan = Awaited<ReturnType<typeof api.migrations.plan.query>>;
type Planned = Plan['instances'][number];
type Problem = Planned['problems'][number];

interface Result {
  id: string;
  title: string;
  version: string;
  state: string;
}

export function MigrationPanel({ toVersionId, version }: { toVersionId: number; version: string }) {
  const { t, text } = useI18n();
  const errorText = useErrorText();
  const qc = useQueryClient();
  // The landing the admin picked per instance; the server plans each choice again.
  const [landings, setLandings] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [failed, setFailed] = useState<Record<string, string>>({});
  const [results, setResults] = useState<Result[]>([]);
  const [reason, setReason] = useState('');
  // While a new choice is being planned the old plan stays shown, its button disabled.
  const plan = useQuery({
    queryKey: ['migrations', 'plan', toVersionId, landings],
    queryFn: () => api.migrations.plan.query({ toVersionId, landings }),
    placeholderData: keepPreviousData,
  });

  const run = async (i: Planned) => {
    if (!i.landing) return;
    setBusy(i.id);
    setFailed(({ [i.id]: _gone, ...rest }) => rest);
    try {
      const moved = await api.migrations.migrate.mutate({ instanceId: i.id, seq: i.seq, toVersionId, landing: i.landing, ...(reason.trim() ? { reason: reason.trim() } : {}) });
      setResults((r) => [...r, { id: moved.id, title: moved.title, version, state: moved.state }]);
      await qc.invalidateQueries({ queryKey: ['migrations', 'plan', toVersionId] });
    } catch (error) {
      setFailed((f) => ({ ...f, [i.id]: errorText(error) }));
      await plan.refetch();
    } finally {
      setBusy(null);
    }
  };

  const stateTitle = (id: string) => {
    const s = plan.data?.states.find((x) => x.id === id);
    return s ? t('editor.migration.stateName', { title: text(s.title), id }) : id;
  };

  return (
    <section className="vd-migration" aria-labelledby="vd-migration-title" data-testid="migration-panel">
      <h3 id="vd-migration-title">{t('editor.migration.title', { version })}</h3>
      <p className="ed-hint">{t('editor.migration.hint')}</p>
      <label className="vd-migration-reason">
        {t('editor.migration.reason')}
        <input type="text" value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} data-testid="migration-reason" />
      </label>
      {results.length > 0 && (
        <ul className="vd-migrated" role="status" data-testid="migration-results">
          {results.map((r) => (
            <li key={r.id} className="ed-ok" data-testid="migration-result" data-instance={r.id}>
              {t('editor.migration.done', { title: r.title, version: r.version, state: stateTitle(r.state) })}{' '}
              <Link href={`/audit/${r.id}`}>{t('editor.migration.history')}</Link>
            </li>
          ))}
        </ul>
      )}
      {plan.isPending ? (
        <p className="muted">{t('editor.migration.loading')}</p>
      ) : plan.error ? (
        <p className="ed-problem" role="alert">
          {errorText(plan.error)}
        </p>
      ) : plan.data.instances.length === 0 ? (
        <p className="muted" data-testid="migration-none">
          {t('editor.migration.none')}
        </p>
      ) : (
        <ul className="vd-migration-list">
          {plan.data.instances.map((i) => (
            <li key={i.id} className="vd-migration-row" data-testid="migration-row" data-instance={i.id} data-problems={i.problems.length}>
              <p>
                <strong>{i.title}</strong>
                <span className="muted">
                  {' '}
                  · {i.village.name} · v{i.version}
                </span>
              </p>
              <p>
                {t('editor.migration.now')} {stateTitle(i.state)}
              </p>
              <label>
                {t('editor.migration.landing')}{' '}
                <select
                  value={landings[i.id] ?? i.landing ?? ''}
                  onChange={(e) => setLandings((l) => ({ ...l, [i.id]: e.target.value }))}
                  data-testid="migration-landing"
                  disabled={busy !== null}
                >
                  {i.landing === null && <option value="">{t('editor.migration.choose')}</option>}
                  {plan.data.states.map((s) => (
                    <option key={s.id} value={s.id}>
                      {stateTitle(s.id)}
                      {s.id === i.defaultLanding ? ` ${t('editor.migration.same')}` : ''}
                    </option>
                  ))}
                </select>
              </label>
              {i.problems.length > 0 && (
                <ul className="ed-problem vd-migration-problems" role="alert" data-testid="migration-problems">
                  {i.problems.map((p) => (
                    <li key={p.code} data-code={p.code}>
                      <ProblemWords problem={p} stateTitle={stateTitle} />
                    </li>
                  ))}
                </ul>
              )}
              {failed[i.id] && (
                <p className="ed-problem" role="alert">
                  {failed[i.id]}
                </p>
              )}
              <button type="button" onClick={() => void run(i)} disabled={busy !== null || plan.isFetching || i.problems.length > 0 || !i.landing} data-testid="migration-go">
                {busy === i.id ? t('editor.migration.moving') : t('editor.migration.go', { version })}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** A problem in the reader's language, from its code and parameters (the server's words are English). */
function ProblemWords({ problem, stateTitle }: { problem: Problem; stateTitle: (id: string) => string }) {
  const { t } = useI18n();
  const p = problem.params;
  const kind = (k: unknown) => t(`diagram.kinds.${String(k)}`);
  return (
    <>
      {t(`editor.migration.problems.${problem.code}`, {
        ...p,
        state: stateTitle(String(p.state)),
        landing: p.landing ? stateTitle(String(p.landing)) : '',
        kind: kind(p.kind),
        landingKind: kind(p.landingKind),
      })}
    </>
  );
}
