// Ratings and service quality (好差评) on the township overview: per village and per catalogue item,
// the satisfaction, on-time and completion rates, with the counting rule stated on the page and
// every rate under the threshold marked (red, and in words for screen readers and print).
import { useI18n } from '../i18n/index.tsx';
import type { api } from '../app/trpc.ts';
import { NumberTableHead } from '../app/ui.tsx';
import './catalogue.css';

type Figures = Awaited<ReturnType<typeof api.stats.overview.query>>['service'];
type Rates = Figures['township'];

export function SatisfactionPanel({ figures }: { figures: Figures }) {
  const { t } = useI18n();
  const threshold = Math.round(figures.threshold * 100);
  return (
    <section className="panel" aria-labelledby="overview-satisfaction">
      <h2 id="overview-satisfaction">{t('catalogue.satisfaction.title')}</h2>
      <p className="satisfaction-rule" data-testid="satisfaction-rule">
        {t('catalogue.satisfaction.rule', { threshold })}
      </p>
      <h3>{t('catalogue.satisfaction.byVillage')}</h3>
      <div className="overview-scroll">
        <table className="table satisfaction-table" data-testid="satisfaction-villages">
          <RatesHead first={t('catalogue.satisfaction.village')} />
          <tbody>
            {figures.villages.map((v) => (
              <RatesRow key={v.id} name={v.name} rates={v} threshold={figures.threshold} />
            ))}
          </tbody>
          <tfoot>
            <RatesRow name={t('catalogue.satisfaction.total')} rates={figures.township} threshold={figures.threshold} />
          </tfoot>
        </table>
      </div>
      <h3>{t('catalogue.satisfaction.byItem')}</h3>
      {figures.items.length === 0 ? (
        <p className="muted">{t('catalogue.satisfaction.noItems')}</p>
      ) : (
        <div className="overview-scroll">
          <table className="table satisfaction-table" data-testid="satisfaction-items">
            <RatesHead first={t('catalogue.satisfaction.item')} />
            <tbody>
              {figures.items.map((i) => (
                <RatesRow key={i.id} name={i.name} rates={i} threshold={figures.threshold} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function RatesHead({ first }: { first: string }) {
  const { t } = useI18n();
  const columns = (['started', 'rated', 'satisfaction', 'onTime', 'completion'] as const).map((c) => t(`catalogue.satisfaction.${c}`));
  return <NumberTableHead first={first} columns={columns} />;
}

function RatesRow({ name, rates, threshold }: { name: string; rates: Rates; threshold: number }) {
  return (
    <tr className={rates.flagged ? 'is-flagged' : undefined}>
      <th scope="row">{name}</th>
      <td className="num">{rates.started}</td>
      <td className="num">{rates.rated}</td>
      <RateCell rate={rates.satisfaction} detail={`${rates.satisfied}/${rates.rated}`} threshold={threshold} />
      <RateCell rate={rates.onTimeRate} detail={`${rates.onTime}/${rates.done}`} threshold={threshold} />
      <RateCell rate={rates.completion} detail={`${rates.done}/${rates.started}`} threshold={threshold} />
    </tr>
  );
}

function RateCell({ rate, detail, threshold }: { rate: number | null; detail: string; threshold: number }) {
  const { t } = useI18n();
  if (rate === null) return <td className="num muted">{t('catalogue.satisfaction.none')}</td>;
  const low = rate < threshold;
  return (
    <td className={low ? 'num low' : 'num'} title={detail}>
      {low && <span aria-hidden="true">⚠ </span>}
      {Math.round(rate * 100)}%<span className="muted small"> ({detail})</span>
      {low && (
        <span className="satisfaction-flag">
          {t('catalogue.satisfaction.flagged', {
            threshold: Math.round(threshold * 100),
          })}
        </span>
      )}
    </td>
  );
}
