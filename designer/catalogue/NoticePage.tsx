// The one-time notice (一次性告知单) of a catalogue item: everything a villager must bring and the
// steps the matter goes through, with their time limits, on one printable page. Generated from the
// item and the main line of its flow's latest published version.
import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { useI18n } from '../i18n/index.tsx';
import { api } from '../app/trpc.ts';
import { Query } from '../app/ui.tsx';
import './catalogue.css';

type Notice = Awaited<ReturnType<typeof api.catalogue.get.query>>;

export function NoticePage({ id }: { id: string }) {
  const { t } = useI18n();
  const notice = useQuery({
    queryKey: ['catalogue.get', id],
    queryFn: () => api.catalogue.get.query({ id }),
  });
  return (
    <div className="one-time-notice-page">
      <div className="buttons no-print">
        <Link href="/catalogue">{t('catalogue.noticePage.back')}</Link>
        <button type="button" onClick={() => window.print()}>
          {t('catalogue.noticePage.print')}
        </button>
      </div>
      <Query q={notice}>{(data) => <NoticeSheet data={data} />}</Query>
    </div>
  );
}

function NoticeSheet({ data }: { data: Notice }) {
  const { t, text } = useI18n();
  const { item, steps } = data;
  const township = data.township?.name ?? '';
  const rows: [string, string][] = [
    [t('catalogue.code'), item.code],
    [t('catalogue.type'), item.type],
    [t('catalogue.department'), item.department],
    [t('catalogue.legalBasis'), item.legalBasis],
    [t('catalogue.serviceObject'), item.serviceObject],
    [t('catalogue.conditions'), item.conditions],
    [t('catalogue.mode'), t(`catalogue.modes.${item.mode}`)],
    [
      t('catalogue.limits'),
      item.promisedDays || item.statutoryDays
        ? t('catalogue.limitsValue', {
            promised: item.promisedDays,
            statutory: item.statutoryDays,
          })
        : t('catalogue.noLimit'),
    ],
    [t('catalogue.fee'), item.fee],
  ];
  return (
    <article className="one-time-notice" data-testid="one-time-notice" aria-labelledby="notice-title">
      <header>
        <p className="notice-issuer">{t('catalogue.noticePage.issuedBy', { township })}</p>
        <h1 id="notice-title">{t('catalogue.noticePage.heading')}</h1>
        <p className="notice-item-name">{item.name}</p>
      </header>
      <p className="notice-lead">{item.mode === 'inform' ? t('catalogue.noticePage.informOnly') : t('catalogue.noticePage.lead')}</p>

      <section aria-labelledby="notice-basics">
        <h2 id="notice-basics">{t('catalogue.noticePage.basics')}</h2>
        <dl className="notice-basics">
          {rows
            .filter(([, v]) => v)
            .map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </div>
            ))}
        </dl>
      </section>

      <section aria-labelledby="notice-materials">
        <h2 id="notice-materials">{t('catalogue.noticePage.materialsTitle')}</h2>
        <table className="notice-table" data-testid="notice-materials">
          <thead>
            <tr>
              <th scope="col" className="num">
                {t('catalogue.noticePage.no')}
              </th>
              <th scope="col">{t('catalogue.material.name')}</th>
              <th scope="col">{t('catalogue.noticePage.requiredCol')}</th>
              <th scope="col" className="num">
                {t('catalogue.material.copies')}
              </th>
              <th scope="col">{t('catalogue.material.supplier')}</th>
            </tr>
          </thead>
          <tbody>
            {item.materials.map((m, i) => (
              <tr key={i}>
                <td className="num">{i + 1}</td>
                <td>{m.name}</td>
                <td>{m.required ? t('catalogue.material.required') : t('catalogue.material.optional')}</td>
                <td className="num">{m.copies}</td>
                <td>{m.supplier}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      {steps.length > 0 && (
        <section aria-labelledby="notice-steps">
          <h2 id="notice-steps">
            {t('catalogue.noticePage.stepsTitle')}
            {data.flow && <span className="muted small">（{text(data.flow.title)}）</span>}
          </h2>
          <ol className="notice-steps" data-testid="notice-steps">
            {steps.map((s) => (
              <li key={s.id}>
                <strong>{text(s.title)}</strong>
                {s.description && <span className="notice-step-desc">{text(s.description)}</span>}
                <span className="notice-step-meta">
                  {s.roles.length > 0 &&
                    t('catalogue.noticePage.stepBy', {
                      roles: s.roles.map((r) => text(r)).join('、'),
                    })}
                  {s.deadline && (
                    <>
                      {' '}
                      ·{' '}
                      {t('catalogue.noticePage.stepLimit', {
                        days: s.deadline.days,
                        calendar: s.deadline.working ? t('catalogue.noticePage.working') : t('catalogue.noticePage.natural'),
                      })}
                    </>
                  )}
                </span>
              </li>
            ))}
          </ol>
        </section>
      )}

      {item.mode === 'proxy' && <p className="notice-fee">{t('catalogue.noticePage.noFee')}</p>}
      <p className="notice-signatures">{t('catalogue.noticePage.signatures')}</p>
    </article>
  );
}
