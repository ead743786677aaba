// The working-day calendar (工作日历) of a township: every year with where its schedule comes from
// (the official notice, the built-in data, or provisional from the statutory holidays), a year's
// twelve months, and — for township admins — entering a year's schedule by clicking days or from a
// holiday-cn file, the server's checks as the schedule changes, and adopting it.
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useLocation, useSearch } from 'wouter';
import { useI18n } from '../i18n/index.tsx';
import { hasTownshipRole, type Me } from '../app/session.ts';
import { formatTime, Query, TableHead } from '../app/ui.tsx';
import { calendarApi, type Source, type YearRow } from './api.ts';
import { Legend, YearMonths } from './MonthView.tsx';
import { ScheduleEditor, type Said } from './ScheduleEditor.tsx';
import './calendar.css';

export function useSourceWords() {
  const { t } = useI18n();
  return (s: Source | null) => (s ? (s.number ? t('calendar.sourceOf', { title: s.title, number: s.number }) : s.title) : t('calendar.noSource'));
}

export function CalendarPage({ me }: { me: Me }) {
  const { t } = useI18n();
  const admin = hasTownshipRole(me, 'township_admin');
  const years = useQuery({ queryKey: ['calendar', 'years'], queryFn: () => calendarApi.years.query() });
  return (
    <div className="calendar">
      <h1>{t('calendar.title')}</h1>
      <p className="muted">{t('calendar.intro')}</p>
      <Query q={years}>{(rows) => <YearsTable rows={rows} admin={admin} />}</Query>
    </div>
  );
}

function YearsTable({ rows, admin }: { rows: YearRow[]; admin: boolean }) {
  const { t } = useI18n();
  const sourceWords = useSourceWords();
  // Newest first: the years an admin works on are the coming ones.
  const sorted = [...rows].sort((a, b) => b.year - a.year);
  return (
    <section className="panel" aria-labelledby="calendar-years">
      <h2 id="calendar-years">{t('calendar.yearsTitle')}</h2>
      <div className="table-wrap">
        <table className="table cal-years" data-testid="calendar-years">
          <TableHead columns={[t('calendar.year'), t('calendar.status'), t('calendar.source'), t('calendar.adopted')]} />
          <tbody>
            {sorted.map((row) => (
              <tr key={row.year} data-testid={`calendar-year-${row.year}`} data-status={row.status} className={row.status === 'provisional' ? 'cal-row-provisional' : undefined}>
                <th scope="row">
                  <Link href={`/calendar/${row.year}`}>{t('calendar.yearOf', { year: row.year })}</Link>
                </th>
                <td>
                  <StatusBadge status={row.status} />
                  {row.status === 'provisional' && admin && (
                    <Link className="cal-enter-link" href={`/calendar/${row.year}?edit`}>
                      {t('calendar.enter', { year: row.year })}
                    </Link>
                  )}
                </td>
                <td>{row.status === 'provisional' ? <span className="muted">{t('calendar.noSource')}</span> : sourceWords(row.source)}</td>
                <td className="small">{row.adoptedAt ? t('calendar.adoptedWhen', { time: formatTime(row.adoptedAt), by: row.adoptedBy ?? '' }) : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function StatusBadge({ status }: { status: string }) {
  const { t } = useI18n();
  return (
    <span className={`badge cal-status cal-status-${status}`} title={t(`calendar.statusHelp.${status}`)}>
      {t(`calendar.statuses.${status}`)}
    </span>
  );
}

export function CalendarYearPage({ me, year }: { me: Me; year: number }) {
  const { t } = useI18n();
  const admin = hasTownshipRole(me, 'township_admin');
  const sourceWords = useSourceWords();
  // Editing is part of the address (…/2027?edit), so a link can open it and Back leaves it.
  const [, navigate] = useLocation();
  const editing = admin && new URLSearchParams(useSearch()).has('edit');
  const setEditing = (on: boolean) => navigate(on ? `/calendar/${year}?edit` : `/calendar/${year}`);
  const [adopted, setAdopted] = useState<Said | null>(null);
  const shown = useQuery({ queryKey: ['calendar', 'show', year], queryFn: () => calendarApi.show.query({ year }) });
  return (
    <div className="calendar">
      <p className="no-print">
        <Link href="/calendar">← {t('calendar.backToYears')}</Link>
      </p>
      <h1>{t('calendar.yearTitle', { year })}</h1>
      <Query q={shown}>
        {({ version, provisional }) =>
          editing ? (
            <ScheduleEditor
              key={`${year}:${version.hash}`}
              year={year}
              from={version}
              onDone={(words) => {
                setEditing(false);
                setAdopted(words ?? null);
              }}
            />
          ) : (
            <>
              {adopted && (
                <p role="status" className="cal-message" data-testid="calendar-adopted">
                  {t(adopted.key, adopted.vars)}
                </p>
              )}
              <section className="panel cal-summary" data-testid="calendar-summary" data-status={provisional ? 'provisional' : version.status}>
                <p>
                  <StatusBadge status={provisional ? 'provisional' : version.status} /> <span className="muted small">{t(`calendar.statusHelp.${provisional ? 'provisional' : version.status}`)}</span>
                </p>
                <p data-testid="calendar-source">{t('calendar.sourceLine', { source: sourceWords(version.source) })}</p>
                <p className="muted">
                  {t('calendar.restCount', { n: version.rest.length })} · {t('calendar.workCount', { n: version.work.length })}
                </p>
                {admin && (
                  <button
                    type="button"
                    onClick={() => {
                      setAdopted(null);
                      setEditing(true);
                    }}
                    data-testid="calendar-edit"
                  >
                    {t(provisional ? 'calendar.enter' : 'calendar.revise', { year })}
                  </button>
                )}
                {!admin && <p className="small muted">{t('calendar.forbidden')}</p>}
              </section>
              <Legend />
              <YearMonths schedule={{ ...version, names: version.names ?? {} }} />
            </>
          )
        }
      </Query>
    </div>
  );
}
