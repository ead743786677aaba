// The township staff's overview of their villages: how many matters are running, finished and
// overdue in each, completion, on-time rates and time taken (exportable as CSV), satisfaction, and
// which steps take longest (stats.overview).
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useI18n } from '../i18n/index.tsx';
import { api } from '../app/trpc.ts';
import { hasTownshipRole, type Me } from '../app/session.ts';
import { NumberTableHead, Query } from '../app/ui.tsx';
import { SlowStepsChart } from './SlowStepsChart.tsx';
import { SatisfactionPanel } from '../catalogue/SatisfactionPanel.tsx';
import { FiguresPanel } from './FiguresPanel.tsx';
import { ProvisionalNote } from '../calendar/DueNotes.tsx';
import { chinaDay } from '../calendar/schedule.ts';

export type Overview = Awaited<ReturnType<typeof api.stats.overview.query>>;
export type StepStats = Overview['township']['steps'][number];

export function OverviewPage({ me }: { me: Me }) {
  const { t } = useI18n();
  const allowed = hasTownshipRole(me, 'township_admin', 'township_reviewer', 'auditor');
  const overview = useQuery({ queryKey: ['stats.overview'], queryFn: () => api.stats.overview.query(), enabled: allowed });
  return (
    <div className="overview">
      <h1>{t('overview.title')}</h1>
      {allowed ? (
        <>
          <p className="muted">{t('overview.intro', { township: me.township?.name ?? '' })}</p>
          <ProvisionalYears />
          <Query q={overview}>{(data) => <OverviewBody data={data} />}</Query>
        </>
      ) : (
        <p role="alert" className="error-box">
          {t('overview.forbidden')}
        </p>
      )}
    </div>
  );
}

function OverviewBody({ data }: { data: Overview }) {
  const { t } = useI18n();
  const [scope, setScope] = useState('');
  const village = data.villages.find((v) => v.id === scope);
  const steps = village ? village.steps : data.township.steps;
  return (
    <>
      <section aria-label={t('overview.totalsLabel')}>
        <dl className="overview-totals" data-testid="overview-totals">
          <div>
            <dt>{t('overview.running')}</dt>
            <dd>{data.township.running}</dd>
          </div>
          <div>
            <dt>{t('overview.done')}</dt>
            <dd>{data.township.done}</dd>
          </div>
          <div className={data.township.overdue > 0 ? 'is-overdue' : undefined}>
            <dt>{t('overview.overdue')}</dt>
            <dd>{data.township.overdue}</dd>
          </div>
        </dl>
      </section>

      <section className="panel" aria-labelledby="overview-villages">
        <h2 id="overview-villages">{t('overview.villagesTitle')}</h2>
        <div className="overview-scroll">
          <table className="table overview-villages" data-testid="overview-villages">
            <caption className="muted">{t('overview.villagesCaption')}</caption>
            <NumberTableHead first={t('overview.village')} columns={[t('overview.running'), t('overview.done'), t('overview.overdue')]} />
            <tbody>
              {data.villages.map((v) => (
                <tr key={v.id} className={v.overdue > 0 ? 'has-overdue' : undefined}>
                  <th scope="row">{v.name}</th>
                  <td className="num">{v.running}</td>
                  <td className="num">{v.done}</td>
                  <OverdueCell n={v.overdue} />
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">{t('overview.total')}</th>
                <td className="num">{data.township.running}</td>
                <td className="num">{data.township.done}</td>
                <OverdueCell n={data.township.overdue} />
              </tr>
            </tfoot>
          </table>
        </div>
      </section>

      <FiguresPanel data={data} />

      <SatisfactionPanel figures={data.service} />

      <section className="panel" aria-labelledby="overview-steps">
        <h2 id="overview-steps">{t('overview.chartTitle')}</h2>
        <label className="overview-scope">
          {t('overview.scope')}
          <select value={scope} onChange={(e) => setScope(e.target.value)}>
            <option value="">{t('overview.wholeTownship')}</option>
            {data.villages.map((v) => (
              <option key={v.id} value={v.id}>
                {v.name}
              </option>
            ))}
          </select>
        </label>
        <SlowStepsChart key={scope} steps={steps} />
      </section>
    </>
  );
}

/** The coming years whose holiday schedule is not entered yet: due times counted in them may move. */
function ProvisionalYears() {
  const years = useQuery({ queryKey: ['calendar', 'years'], queryFn: () => api.calendar.years.query() });
  const thisYear = Number(chinaDay(new Date().toISOString()).slice(0, 4));
  const provisional = (years.data ?? []).filter((y) => y.status === 'provisional' && y.year >= thisYear).map((y) => y.year);
  if (!years.data) return null;
  return (
    <div data-testid="overview-calendar" data-provisional={provisional.join(',')}>
      <ProvisionalNote years={provisional} words="calendar.provisionalOverview" />
    </div>
  );
}

/** An overdue count: red and bold, with a warning sign, when it is not zero. */
function OverdueCell({ n }: { n: number }) {
  if (n === 0) return <td className="num">0</td>;
  return (
    <td className="num overdue-cell">
      <span className="overdue-mark" aria-hidden="true">
        ⚠
      </span>
      <strong>{n}</strong>
    </td>
  );
}
