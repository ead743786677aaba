// The figures the documents report (办结率, 按时办结率, average and 90th-percentile time) per village
// and per service item or process, with the counting rule on the page, and the whole set of
// figures (steps included) as a CSV spreadsheet to download (stats.exportCsv).
import { useState, type ReactNode } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { api } from '../app/trpc.ts';
import { downloadFile } from '../app/download.ts';
import { ErrorBox, NumberTableHead } from '../app/ui.tsx';
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
      downloadFile(filename, csv, 'text/csv;charset=utf-8');
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
      <FiguresTable testId="figures-villages" caption={t('overview.figures.villagesCaption')} first={t('overview.figures.village')} total={data.township.figures}>
        {data.villages.map((v) => (
          <FiguresRow key={v.id} name={v.name} f={v.figures} />
        ))}
      </FiguresTable>
      {data.breakdown.length > 0 && (
        <>
          <h3>{t('overview.figures.byItem')}</h3>
          <FiguresTable testId="figures-items" caption={t('overview.figures.itemsCaption')} first={t('overview.figures.item')}>
            {data.breakdown.map((b) => (
              <FiguresRow key={`${b.kind}:${b.id}`} name={text(b.name)} kind={t(b.kind === 'item' ? 'overview.figures.itemKind' : 'overview.figures.flowKind')} f={b.township} />
            ))}
          </FiguresTable>
        </>
      )}
    </section>
  );
}

/** One figures table; `total` adds the township's row at the foot. */
function FiguresTable({ testId, caption, first, total, children }: { testId: string; caption: string; first: string; total?: Figures; children: ReactNode }) {
  const { t } = useI18n();
  const columns = (['started', 'completion', 'onTime', 'average', 'p90'] as const).map((c) => t(`overview.figures.${c}`));
  return (
    <div className="overview-scroll">
      <table className="table figures-table" data-testid={testId}>
        <caption className="muted">{caption}</caption>
        <NumberTableHead first={first} columns={columns} />
        <tbody>{children}</tbody>
        {total && (
          <tfoot>
            <FiguresRow name={t('overview.figures.total')} f={total} />
          </tfoot>
        )}
      </table>
    </div>
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
