// Entering a year's holiday schedule: the notice's title and number, the days clicked on the
// months or read from a holiday-cn file, the server's checks of the schedule as it changes (each
// problem naming its date), how many running matters adoption would recompute, and adopting it
// (not while a check fails).
import { useState, type ChangeEvent } from 'react';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useLocation } from 'wouter';
import { useI18n } from '../i18n/index.tsx';
import { ErrorBox } from '../app/ui.tsx';
import { calendarApi, draftOf, type Draft, type Problem, type Version } from './api.ts';
import { Legend, YearMonths } from './MonthView.tsx';
import { dayKind, dayWords, nameDay, toggleDay } from './schedule.ts';

/** A schedule the server read from a file, waiting for the page of its year (the file picks the year). */
const IMPORTED = ['calendar', 'imported'] as const;

/** A message to show, kept as its label and values so it follows a change of language. */
export interface Said {
  key: string;
  vars: Record<string, string | number>;
}

export function ScheduleEditor({ year, from, onDone }: { year: number; from: Version; onDone: (adopted?: Said) => void }) {
  const { t, text, lang } = useI18n();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const [imported] = useState(() => {
    const found = qc.getQueryData<{ draft: Draft; said: Said }>(IMPORTED);
    qc.removeQueries({ queryKey: IMPORTED });
    return found?.draft.year === year ? found : null;
  });
  // A provisional year starts from the statutory holidays it was counted with.
  const [draft, setDraft] = useState<Draft>(() => imported?.draft ?? { ...draftOf(from), source: from.status === 'official' ? from.source : null });
  const [selected, setSelected] = useState<string | null>(null);
  const [message, setMessage] = useState<Said | null>(imported?.said ?? null);
  const [error, setError] = useState<unknown>(null);
  const [adopting, setAdopting] = useState(false);
  const preview = useQuery({
    queryKey: ['calendar', 'preview', draft],
    queryFn: () => calendarApi.preview.mutate({ year: draft }),
    placeholderData: keepPreviousData,
  });
  const current = preview.data && !preview.isPlaceholderData ? preview.data : null;
  const problems: Problem[] = current?.problems ?? [];
  const flagged = new Set(problems.flatMap((p) => (p.date ? [p.date] : [])));
  const title = draft.source?.title ?? '';
  const number = draft.source?.number ?? '';
  const setSource = (p: { title?: string; number?: string }) => {
    const next = { title, number, ...p };
    setDraft((d) => ({ ...d, source: next.title || next.number ? { title: next.title, ...(next.number ? { number: next.number } : {}) } : null }));
  };

  async function importFile(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    setError(null);
    setMessage(null);
    let holidayCn: unknown;
    try {
      holidayCn = JSON.parse(await file.text());
    } catch {
      setError(new Error(t('calendar.notJson', { file: file.name })));
      return;
    }
    try {
      const result = await calendarApi.preview.mutate({ holidayCn, ...(title ? { title } : {}), ...(number ? { number } : {}) });
      const read: Draft = { ...draftOf(result.version), source: result.version.source ?? draft.source };
      const said: Said = { key: 'calendar.edit.imported', vars: { file: file.name, year: read.year, rest: read.rest.length, work: read.work.length } };
      qc.setQueryData(['calendar', 'preview', read], result);
      if (read.year !== year) {
        qc.setQueryData(IMPORTED, { draft: read, said });
        navigate(`/calendar/${read.year}?edit`);
        return;
      }
      setDraft(read);
      setSelected(null);
      setMessage(said);
    } catch (err) {
      setError(err);
    }
  }

  async function adopt() {
    if (!current) return;
    if (!window.confirm(t('calendar.adoptConfirm', { year, n: current.affected }))) return;
    setAdopting(true);
    setError(null);
    try {
      const done = await calendarApi.adopt.mutate({ year: draft });
      await qc.invalidateQueries({ queryKey: ['calendar'] });
      // Due times shown anywhere may have moved.
      await qc.invalidateQueries({ queryKey: ['inbox'] });
      await qc.invalidateQueries({ queryKey: ['instance'] });
      onDone({ key: 'calendar.adoptedDone', vars: { year, n: done.recomputed } });
    } catch (err) {
      setError(err);
    } finally {
      setAdopting(false);
    }
  }

  /** A problem's day: selected, and focused on the months (scrolled to). */
  const showDay = (date: string) => {
    setSelected(date);
    document.querySelector<HTMLElement>(`[data-testid="calendar-months"] [data-date="${date}"]`)?.focus();
  };
  const selectedKind = selected ? dayKind(draft, selected) : null;
  /** The selected rest or make-up day's name, edited under its month. */
  const dayName = (date: string) => (
    <label className="cal-day-name">
      {t('calendar.edit.dayName', { date: dayWords(date, lang, year) })}
      <input value={draft.names[date] ?? ''} placeholder={t('calendar.edit.dayNamePlaceholder')} onChange={(e) => setDraft((d) => nameDay(d, date, e.target.value))} />
    </label>
  );
  const canAdopt = !!current && problems.length === 0 && !preview.isFetching && !adopting;
  return (
    <div className="cal-editor" data-testid="calendar-editor">
      <section className="panel">
        <h2>{t('calendar.edit.title', { year })}</h2>
        <p className="muted small">{t('calendar.edit.how')}</p>
        <div className="cal-source">
          <label>
            {t('calendar.edit.noticeTitle')}
            <input value={title} onChange={(e) => setSource({ title: e.target.value })} placeholder={t('calendar.edit.noticeTitlePlaceholder', { year })} />
          </label>
          <label>
            {t('calendar.edit.noticeNumber')}
            <input value={number} onChange={(e) => setSource({ number: e.target.value })} placeholder={t('calendar.edit.noticeNumberPlaceholder', { prev: year - 1 })} />
          </label>
        </div>
        <div className="buttons">
          <label className="file-button">
            {t('calendar.edit.import')}
            <input type="file" accept=".json,application/json" onChange={importFile} data-testid="calendar-import" />
          </label>
          <button type="button" className="secondary" onClick={() => onDone()}>
            {t('calendar.edit.cancel')}
          </button>
        </div>
        {message && (
          <p role="status" className="cal-message">
            {t(message.key, message.vars)}
          </p>
        )}
        {error !== null && <ErrorBox error={error} />}
      </section>

      <section className="panel cal-check" aria-labelledby="cal-check-title" data-testid="calendar-preview" data-state={preview.isFetching ? 'checking' : current ? (problems.length ? 'problems' : 'ok') : 'none'}>
        <h2 id="cal-check-title">{t('calendar.preview.title')}</h2>
        {preview.error ? (
          <ErrorBox error={preview.error} onRetry={() => preview.refetch()} />
        ) : !current ? (
          <p role="status">{t('calendar.edit.checking')}</p>
        ) : (
          <>
            {problems.length === 0 ? (
              <p className="cal-ok">✔ {t('calendar.preview.ok', { year })}</p>
            ) : (
              <>
                <p className="cal-bad">{t('calendar.preview.problems', { n: problems.length })}</p>
                <ul className="cal-problems" data-testid="calendar-problems">
                  {problems.map((p, i) => (
                    <li key={`${p.code}:${p.date ?? ''}:${i}`} data-code={p.code} data-date={p.date}>
                      <span className="cal-problem-text">{text(p.message)}</span>
                      {p.date && (
                        <button type="button" className="link-button" onClick={() => showDay(p.date!)}>
                          {t('calendar.edit.showDay')}
                        </button>
                      )}
                    </li>
                  ))}
                </ul>
              </>
            )}
            {problems.length === 0 && <p data-testid="calendar-affected">{current.affected ? t('calendar.preview.affected', { n: current.affected }) : t('calendar.preview.noneAffected')}</p>}
          </>
        )}
        <div className="buttons">
          <button type="button" onClick={adopt} disabled={!canAdopt} data-testid="calendar-adopt">
            {adopting ? t('calendar.adopting') : t('calendar.adopt')}
          </button>
        </div>
      </section>

      <Legend />
      <YearMonths
        schedule={draft}
        selected={selected}
        flagged={flagged}
        under={selected && (selectedKind === 'rest' || selectedKind === 'work') ? { month: Number(selected.slice(5, 7)), node: dayName(selected) } : undefined}
        onDay={(date) => {
          setDraft((d) => toggleDay(d, date));
          setSelected(date);
        }}
      />
    </div>
  );
}
