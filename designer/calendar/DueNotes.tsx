// What a due time depends on, in words, wherever one is shown: a due time counted on a year whose
// holiday schedule is not entered yet ("2027年放假安排尚未录入", with a link to enter it for
// township admins), and a recalendar record (old due → new due, on which year's schedule).
import { Link } from 'wouter';
import type { Flow, HistoryRecord } from '../../engine/index.ts';
import { useI18n } from '../i18n/index.tsx';
import { hasTownshipRole, useMe } from '../app/session.ts';
import { chinaDay, dayWords } from './schedule.ts';

/** A due time as the server sends it (tasks, open steps, timers, the overview's rows). */
export interface Due {
  due?: string | null;
  dueProvisional?: boolean;
  provisionalYears?: readonly number[];
}

/** The provisional years a due time was counted on (none when it was not). */
export function provisionalOf(d: Due): readonly number[] {
  return d.due && d.dueProvisional ? (d.provisionalYears ?? []) : [];
}

/**
 * The note under a due time counted on provisional `years`; nothing when there are none. `words`:
 * another label with {years} (the overview's, about every due time in those years).
 */
export function ProvisionalNote({ years, words = 'calendar.provisional' }: { years: readonly number[]; words?: string }) {
  const { t } = useI18n();
  const me = useMe();
  if (!years.length) return null;
  const admin = hasTownshipRole(me.data, 'township_admin');
  return (
    <p className="provisional-note" role="note" data-testid="provisional-note" data-years={years.join(',')}>
      ⚠ {t(words, { years: years.join(t('calendar.yearsJoin')) })}
      {admin &&
        years.map((y) => (
          <Link key={y} href={`/calendar/${y}?edit`}>
            {t('calendar.provisionalLink', { year: y })}
          </Link>
        ))}
    </p>
  );
}

// The engine's RECALENDAR, named here so that the matter page's chunk does not load the engine.
export const RECALENDAR = 'RECALENDAR';

interface Change {
  timer: string;
  from: string;
  to: string;
}

function recalendarOf(record: HistoryRecord): { year: number; calendar: string; changes: Change[] } | null {
  if (record.type !== RECALENDAR) return null;
  const p = record.payload as { year?: unknown; calendar?: unknown; changes?: unknown };
  const changes = Array.isArray(p.changes) ? (p.changes as Change[]).filter((c) => c && typeof c.timer === 'string' && typeof c.from === 'string' && typeof c.to === 'string') : [];
  return { year: Number(p.year), calendar: typeof p.calendar === 'string' ? p.calendar : '', changes };
}

/** A timer id (`review:deadline`, `wait:after:P5D`, `publish:disclosure`) as its step and kind. */
export function useTimerWords(flow: Pick<Flow, 'states'>) {
  const { t, text } = useI18n();
  return (timer: string) => {
    const [state = '', kind = 'after'] = timer.split(':');
    const step = text(flow.states[state]?.title) || state;
    return t('calendar.timerOf', { step, kind: t(`calendar.timerKinds.${kind}`) });
  };
}

/** A recalendar record's changes, one line each: "…办理期限按2027年放假安排重新计算：原 1月5日 → 新 1月8日". */
export function RecalendarLines({ record, flow, showVersion }: { record: HistoryRecord; flow: Pick<Flow, 'states'>; showVersion?: boolean }) {
  const { t, lang } = useI18n();
  const timerWords = useTimerWords(flow);
  const r = recalendarOf(record);
  if (!r) return null;
  const day = (iso: string) => dayWords(chinaDay(iso), lang, r.year);
  return (
    <ul className="recalendar" data-testid="recalendar" data-year={r.year}>
      {r.changes.length === 0 && <li>{t('calendar.recalendar.none')}</li>}
      {r.changes.map((c) => (
        <li key={c.timer}>
          {t('calendar.recalendar.line', { timer: timerWords(c.timer), year: r.year, from: day(c.from), to: day(c.to) })}
        </li>
      ))}
      {showVersion && r.calendar && (
        <li className="small muted">
          {t('calendar.recalendar.version')}{' '}
          <code className="hash" title={r.calendar}>
            {r.calendar.slice(0, 12)}…
          </code>
        </li>
      )}
    </ul>
  );
}
