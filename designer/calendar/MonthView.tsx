// A year as twelve month grids: rest days (休), make-up working days (班) and holiday names; in
// editing, each day is a button that toggles it (see toggleDay). Days with a problem are marked.
import type { ReactNode } from 'react';
import { lookup, useI18n } from '../i18n/index.tsx';
import { dayWords, monthGrid, monthWords, type GridDay, type Schedule } from './schedule.ts';

interface Props {
  schedule: Pick<Schedule, 'year' | 'rest' | 'work'> & { names?: Record<string, string> };
  /** Editing: clicking a day calls this. */
  onDay?: (date: string) => void;
  selected?: string | null;
  /** Dates a preview found a problem with. */
  flagged?: ReadonlySet<string>;
  /** Something to show under one month (the selected day's name field). */
  under?: { month: number; node: ReactNode };
}

export function YearMonths({ schedule, onDay, selected, flagged, under }: Props) {
  const { t, lang } = useI18n();
  const weekdays = lookup(lang, 'calendar.weekdays') as string[];
  return (
    <div className="cal-months" data-testid="calendar-months" data-year={schedule.year}>
      {Array.from({ length: 12 }, (_, i) => i + 1).map((month) => (
        <div key={month} className="cal-month-box">
          <table className="cal-month" aria-label={`${t('calendar.yearOf', { year: schedule.year })} ${monthWords(month, lang)}`}>
            <caption>{monthWords(month, lang)}</caption>
            <thead>
              <tr>
                {weekdays.map((w, i) => (
                  <th key={w} scope="col" className={i >= 5 ? 'cal-weekend-head' : undefined}>
                    {w}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {monthGrid(schedule, month).map((week, w) => (
                <tr key={w}>
                  {week.map((day, i) => (
                    <td key={day?.date ?? `pad-${i}`}>{day && <Day day={day} year={schedule.year} onDay={onDay} selected={selected === day.date} flagged={!!flagged?.has(day.date)} />}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {under?.month === month && under.node}
        </div>
      ))}
    </div>
  );
}

function Day({ day, year, onDay, selected, flagged }: { day: GridDay; year: number; onDay?: (date: string) => void; selected: boolean; flagged: boolean }) {
  const { t, lang } = useI18n();
  const weekday = (lookup(lang, 'calendar.weekdays') as string[])[day.weekday];
  const label = `${dayWords(day.date, lang, year)} ${lang === 'zh' ? `星期${weekday}` : weekday} · ${t(`calendar.kindNames.${day.kind}`)}${day.name ? ` · ${day.name}` : ''}`;
  const className = `cal-day cal-${day.kind}${flagged ? ' cal-flagged' : ''}${selected ? ' cal-selected' : ''}`;
  const content = (
    <>
      <span className="cal-num">{day.day}</span>
      {(day.kind === 'rest' || day.kind === 'work') && <span className="cal-tag">{t(`calendar.kinds.${day.kind}`)}</span>}
      {day.name && <span className="cal-name">{day.name}</span>}
    </>
  );
  const data = { 'data-date': day.date, 'data-kind': day.kind };
  if (!onDay) {
    return (
      <span className={className} title={label} {...data}>
        {content}
      </span>
    );
  }
  return (
    <button type="button" className={className} title={label} aria-label={label} aria-pressed={day.kind === 'rest' || day.kind === 'work'} onClick={() => onDay(day.date)} {...data}>
      {content}
    </button>
  );
}

/** What the colours and marks mean. */
export function Legend() {
  const { t } = useI18n();
  return (
    <ul className="cal-legend" aria-label={t('calendar.legend')}>
      {(['rest', 'work', 'weekend', 'workday'] as const).map((k) => (
        <li key={k}>
          <span className={`cal-swatch cal-${k}`} aria-hidden="true">
            {k === 'rest' || k === 'work' ? t(`calendar.kinds.${k}`) : ''}
          </span>
          {t(`calendar.kindNames.${k}`)}
        </li>
      ))}
    </ul>
  );
}
