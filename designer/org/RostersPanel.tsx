// Bodies and rosters of a village (机构名册), for the township admin: each body its flows meet in
// (and any other role held or counted there) with its members by name, a probationary mark on each
// (a probationary Party member attends and does not vote), its roster today, and its registered
// counts with the day each takes effect and its source; a new count is registered here. Meetings
// take their members and those entitled to vote from these rosters (server/org/rosters.ts).
import { useEffect, useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useI18n } from '../i18n/index.tsx';
import { api } from '../app/trpc.ts';
import { formatTime, Query } from '../app/ui.tsx';
import { useChange } from './OrgPage.tsx';

type Village = Awaited<ReturnType<typeof api.org.allVillages.query>>[number];
type Bodies = Awaited<ReturnType<typeof api.rosters.bodies.query>>;
type Body = Bodies['bodies'][number];

/** A body a flow meets in (a vote step's electorate), or one with a registered count. */
const meets = (body: Body) => body.titles.length > 0 || body.counts.length > 0;

export function RostersPanel({ villages }: { villages: Village[] }) {
  const { t } = useI18n();
  const live = villages.filter((v) => !v.archivedAt);
  const [villageId, setVillageId] = useState(live[0]?.id ?? '');
  const bodies = useQuery({ queryKey: ['rosters', villageId], queryFn: () => api.rosters.bodies.query({ villageId }), enabled: !!villageId });
  if (!live.length) return null;
  return (
    <section aria-labelledby="org-rosters" data-testid="rosters">
      <h2 id="org-rosters">{t('rosters.title')}</h2>
      <p className="muted">{t('rosters.intro')}</p>
      <label>
        {t('rosters.village')}
        <select name="rosterVillage" value={villageId} onChange={(e) => setVillageId(e.target.value)}>
          {live.map((v) => (
            <option key={v.id} value={v.id}>
              {v.name}
            </option>
          ))}
        </select>
      </label>
      <Query q={bodies}>
        {(b) => (
          <>
            <p className="muted">{t('rosters.today', { day: b.day })}</p>
            <ul className="org-list">
              {b.bodies.filter(meets).map((body) => (
                <BodyCard key={body.role} villageId={b.village.id} body={body} day={b.day} recorders={b.recorderNames} />
              ))}
            </ul>
            {/* Roles no flow meets in and nobody counted: kept out of the way, there for a count to be registered. */}
            <details>
              <summary>{t('rosters.otherRoles', { n: b.bodies.filter((x) => !meets(x)).length })}</summary>
              <ul className="org-list">
                {b.bodies.filter((x) => !meets(x)).map((body) => (
                  <BodyCard key={body.role} villageId={b.village.id} body={body} day={b.day} recorders={b.recorderNames} />
                ))}
              </ul>
            </details>
          </>
        )}
      </Query>
    </section>
  );
}

function BodyCard({ villageId, body, day, recorders }: { villageId: string; body: Body; day: string; recorders: Record<string, string> }) {
  const { t, text, role } = useI18n();
  const { run, messages } = useChange();
  const counted = body.kind === 'count';
  return (
    <li className="card" data-testid="body" data-role={body.role}>
      <h3>{body.titles.length ? body.titles.map((x) => text(x)).join('、') : role(body.role)}</h3>
      <p className="muted">
        {t('rosters.roleLabel', { role: role(body.role) })}
        {counted && ` · ${t('rosters.counted')}`}
      </p>
      <p data-testid="body-roster">{body.roster ? t('rosters.rosterLine', { members: body.roster.members, voting: body.roster.voting }) : <span className="field-error">{t('rosters.noRoster')}</span>}</p>
      {!counted && (
        <>
          {body.members.length === 0 && <p className="muted">{t('rosters.noMembers')}</p>}
          {body.members.length > 0 && (
            <details>
              <summary>{t('rosters.membersCount', { n: body.members.length })}</summary>
              <ul className="org-members">
                {body.members.map((m) => (
                  <li key={m.userId} data-testid="body-member" data-name={m.displayName}>
                    <span>{m.displayName}</span>
                    {m.deactivated ? (
                      <span className="muted"> · {t('rosters.deactivated')}</span>
                    ) : (
                      <ProbationaryMark marked={m.probationary} onChange={(probationary) => run(() => api.rosters.setProbationary.mutate({ userId: m.userId, villageId, role: body.role, probationary }), t('rosters.saved'))} />
                    )}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </>
      )}
      {body.counts.length > 0 && (
        <ul className="org-counts" data-testid="body-counts">
          {body.counts.map((c) => (
            <li key={c.id}>
              {t('rosters.countLine', { count: c.count, from: c.effectiveFrom, source: c.source, by: recorders[c.recordedBy] ?? c.recordedBy, at: formatTime(c.recordedAt) })}{' '}
              <span className="badge">{c.id === body.inForce?.id ? t('rosters.inForce') : c.effectiveFrom > day ? t('rosters.notYet') : t('rosters.earlier')}</span>
            </li>
          ))}
        </ul>
      )}
      <AddCount villageId={villageId} role={body.role} run={run} />
      {messages}
    </li>
  );
}

/** A member's probationary mark: shown as changed at once, and back as it was if the server refuses. */
function ProbationaryMark({ marked, onChange }: { marked: boolean; onChange: (probationary: boolean) => Promise<boolean> }) {
  const { t } = useI18n();
  const [shown, setShown] = useState(marked);
  useEffect(() => setShown(marked), [marked]);
  return (
    <label className="org-check">
      <input
        type="checkbox"
        checked={shown}
        onChange={async (e) => {
          const next = e.target.checked;
          setShown(next);
          if (!(await onChange(next))) setShown(!next);
        }}
      />
      {t('rosters.probationary')}
    </label>
  );
}

function AddCount({ villageId, role, run }: { villageId: string; role: string; run: ReturnType<typeof useChange>['run'] }) {
  const { t } = useI18n();
  const [count, setCount] = useState('');
  const [effectiveFrom, setFrom] = useState('');
  const [source, setSource] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await run(() => api.rosters.registerCount.mutate({ villageId, role, count: Number(count), effectiveFrom, source }), t('rosters.registered'))) {
      setCount('');
      setFrom('');
      setSource('');
    }
  };
  return (
    <details>
      <summary>{t('rosters.addCount')}</summary>
      <p className="muted">{t('rosters.addCountIntro')}</p>
      <form className="org-inline" onSubmit={submit} data-testid="add-count">
        <label>
          {t('rosters.count')}
          <input name="count" type="number" min={1} max={1000000} step={1} value={count} onChange={(e) => setCount(e.target.value)} required />
        </label>
        <label>
          {t('rosters.effectiveFrom')}
          <input name="effectiveFrom" type="date" value={effectiveFrom} onChange={(e) => setFrom(e.target.value)} required />
        </label>
        <label>
          {t('rosters.source')}
          <input name="source" value={source} onChange={(e) => setSource(e.target.value)} required maxLength={200} placeholder={t('rosters.sourceHint')} />
        </label>
        <button type="submit">{t('rosters.register')}</button>
      </form>
    </details>
  );
}
