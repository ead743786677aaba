// The figures the documents report (办结率, 按时办结率, average and 90th-percentile time) per village
// and per service item or process, with the counting rule on the page, and the whole set of
// figures (steps included) as a CSV spreadsheet to download (stats.exportCsv).
import { useState } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { api } from '../app/trpc.ts';
import { ErrorBox } from '../app/ui.tsx';
import type { Overview } from './OverviewPage.tsx';
import './overview.css';

type Figures = Overview['township']['figures'];
const HOUR = 3600_000;

export function FiguresPanel({ data }: { data: Overview }) {
  const { t, text } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState<string | null>(null);

  async function exportCsv() {
    setError(null);
    setMessage(null);
    try {
      const { csv, filename } = await api.stats.exportCsv.query();
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = filename;
      a.click();
      URL.revokeObjectURL(url);
      setMessage(t('overview.figures.exported', { filename }));
    } catch (err) {
      setError(err);
    }
  }

  return (
    <section className="panel" aria-labelledby="overview-figures">
      <div className="figures-head">
        <h2 id="overview-figures">{t('overview.figures.title')}</h2>
        <button type="button" onClick={exportCsv} data-testid="figures-export">
          {t('overview.figures.exportCsv')}
        </button>
      </div>
      {message && (
        <p role="status" className="small muted">
          {message}
        </p>
      )}
      {error !== null && <ErrorBox error={error} />}
      <p className="small muted" data-testid="figures-rule">
        {t('overview.figures.rule')}
      </p>
      <h3>{t('overview.figures.byVillage')}</h3>
      <div className="overview-scroll">
        <table className="table figures-table" data-testid="figures-villages">
          <caption className="muted">{t('overview.figures.villagesCaption')}</caption>
          <FiguresHead first={t('overview.figures.village')} />
          <tbody>
            {data.villages.map((v) => (
              <FiguresRow key={v.id} name={v.name} f={v.figures} />
            ))}
          </tbody>
          <tfoot>
            <FiguresRow name={t('overview.figures.total')} f={data.township.figures} />
          </tfoot>
        </table>
      </div>
      {data.breakdown.length > 0 && (
        <>
          <h3>{t('overview.figures.byItem')}</h3>
          <div className="overview-scroll">
            <table className="table figures-table" data-testid="figures-items">
              <caption className="muted">{t('overview.figures.itemsCaption')}</caption>
              <FiguresHead first={t('overview.figures.item')} />
              <tbody>
                {data.breakdown.map((b) => (
                  <FiguresRow key={`${b.kind}:${b.id}`} name={text(b.name)} kind={t(b.kind === 'item' ? 'overview.figures.itemKind' : 'overview.figures.flowKind')} f={b.township} />
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function FiguresHead({ first }: { first: string }) {
  const { t } = useI18n();
  return (
    <thead>
      <tr>
        <th scope="col">{first}</th>
        <th scope="col" className="num">
          {t('overview.figures.started')}
        </th>
        <th scope="col" className="num">
          {t('overview.figures.completion')}
        </th>
        <th scope="col" className="num">
          {t('overview.figures.onTime')}
        </th>
        <th scope="col" className="num">
          {t('overview.figures.average')}
        </th>
        <th scope="col" className="num">
          {t('overview.figures.p90')}
        </th>
      </tr>
    </thead>
  );
}

function FiguresRow({ name, kind, f }: { name: string; kind?: string; f: Figures }) {
  return (
    <tr>
      <th scope="row">
        {kind && <span className="figures-kind">{kind}</span>}
        {name}
      </th>
      <td className="num">{f.started}</td>
      <RateCell rate={f.completion} detail={`${f.done}/${f.started}`} />
      <RateCell rate={f.onTimeRate} detail={`${f.onTime}/${f.done}`} />
      <TimeCell ms={f.averageMs} />
      <TimeCell ms={f.p90Ms} />
    </tr>
  );
}

function RateCell({ rate, detail }: { rate: number | null; detail: string }) {
  const { t } = useI18n();
  if (rate === null) return <td className="num muted">{t('overview.figures.none')}</td>;
  return (
    <td className="num" title={detail}>
      {Math.round(rate * 100)}%<span className="muted small"> ({detail})</span>
    </td>
  );
}

/** Hours up to two days, days beyond: what a reader compares with time limits in working days. */
function TimeCell({ ms }: { ms: number | null }) {
  const { t, lang } = useI18n();
  if (ms === null) return <td className="num muted">{t('overview.figures.none')}</td>;
  const hours = ms / HOUR;
  const n = (x: number) => new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en', { maximumFractionDigits: 1 }).format(x);
  return <td className="num">{hours < 48 ? t('overview.figures.hours', { n: n(hours) }) : t('overview.figures.days', { n: n(hours / 24) })}</td>;
}
