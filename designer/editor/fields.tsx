// Form fields of the inspector. Text fields send an edit per keystroke; all keystrokes made while
// the field keeps focus carry one `coalesce` key, so undo takes back the whole typing at once.
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { Calendar, Period, Text, VoteRule } from '../../engine/index.ts';
import { useI18n } from '../i18n/index.tsx';
import { durationWords } from '../diagram/words.ts';
import { chinaDay, dayWords } from '../calendar/schedule.ts';
import { periodEnd, useWorkCalendar } from '../calendar/useWorkCalendar.ts';

let session = 0;
/** A key for one stretch of typing in one field: new on every focus. */
export function useTyping(): { key: () => string; onFocus: () => void } {
  const ref = useRef(`typing#${++session}`);
  return { key: () => ref.current, onFocus: () => void (ref.current = `typing#${++session}`) };
}

export function TextField({
  label,
  value,
  onChange,
  multiline,
  placeholder,
  problem,
  hint,
  testId,
  mono,
}: {
  label: ReactNode;
  value: string;
  onChange: (value: string, coalesce: string) => void;
  multiline?: boolean;
  placeholder?: string;
  problem?: string | null;
  hint?: ReactNode;
  testId?: string;
  mono?: boolean;
}) {
  const typing = useTyping();
  const id = useId();
  const common = {
    id,
    value,
    placeholder,
    onFocus: typing.onFocus,
    'aria-invalid': problem ? true : undefined,
    'aria-describedby': problem || hint ? `${id}-note` : undefined,
    'data-testid': testId,
    className: mono ? 'ed-mono' : undefined,
  };
  return (
    <div className="ed-field">
      <label htmlFor={id}>{label}</label>
      {multiline ? (
        <textarea {...common} rows={3} onChange={(e) => onChange(e.target.value, typing.key())} />
      ) : (
        <input {...common} type="text" onChange={(e) => onChange(e.target.value, typing.key())} />
      )}
      {(problem || hint) && (
        <div id={`${id}-note`} className={problem ? 'ed-problem' : 'ed-hint'} role={problem ? 'alert' : undefined}>
          {problem ?? hint}
        </div>
      )}
    </div>
  );
}

/**
 * A text field that commits on Enter or when it loses focus (for ids: renaming on every keystroke
 * would rename through every half-typed name). `check` says why a value cannot be taken.
 */
export function CommitField({ label, value, onCommit, check, testId }: { label: ReactNode; value: string; onCommit: (v: string) => void; check?: (v: string) => string | null; testId?: string }) {
  const [draft, setDraft] = useState(value);
  const id = useId();
  useEffect(() => setDraft(value), [value]);
  const problem = draft !== value && check ? check(draft) : null;
  const commit = () => {
    if (draft === value) return;
    if (problem) return;
    onCommit(draft);
  };
  return (
    <div className="ed-field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        className="ed-mono"
        value={draft}
        data-testid={testId}
        aria-invalid={problem ? true : undefined}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') setDraft(value);
        }}
      />
      {problem && (
        <div className="ed-problem" role="alert">
          {problem}
        </div>
      )}
    </div>
  );
}

/** Chinese and English of one text; an optional text left empty in both is removed. */
export function BilingualField({
  label,
  value,
  onChange,
  optional,
  multiline,
  testId,
}: {
  label: string;
  value: Text | undefined;
  onChange: (v: Text | undefined, coalesce: string) => void;
  optional?: boolean;
  multiline?: boolean;
  testId?: string;
}) {
  const { t } = useI18n();
  const make = (zh: string, en: string): Text | undefined => {
    if (optional && !zh && !en) return undefined;
    return en ? { zh, en } : { zh };
  };
  return (
    <fieldset className="ed-bilingual">
      <legend>{label}</legend>
      <TextField label={t('editor.field.zh')} value={value?.zh ?? ''} multiline={multiline} onChange={(zh, c) => onChange(make(zh, value?.en ?? ''), c)} testId={testId ? `${testId}-zh` : undefined} />
      <TextField label={t('editor.field.en')} value={value?.en ?? ''} multiline={multiline} onChange={(en, c) => onChange(make(value?.zh ?? '', en), c)} testId={testId ? `${testId}-en` : undefined} />
    </fieldset>
  );
}

/** Roles as checkboxes, from the flow's own role list. */
export function RoleChecks({ legend, roles, value, onChange, hint }: { legend: string; roles: Record<string, Text>; value: string[]; onChange: (v: string[]) => void; hint?: string }) {
  const { text } = useI18n();
  const unknown = value.filter((r) => !Object.hasOwn(roles, r));
  return (
    <fieldset className="ed-roles">
      <legend>{legend}</legend>
      {hint && <p className="ed-hint">{hint}</p>}
      {[...Object.keys(roles), ...unknown].map((r) => (
        <label key={r} className="ed-check">
          <input type="checkbox" checked={value.includes(r)} onChange={(e) => onChange(e.target.checked ? [...value, r] : value.filter((x) => x !== r))} />
          <span>
            {roles[r] ? text(roles[r]) : r} <code className="ed-code">{r}</code>
          </span>
        </label>
      ))}
    </fieldset>
  );
}

/** A vote rule: denominator, operator and fraction. */
export function RuleField({ legend, value, onChange, quorum, testId }: { legend: string; value: VoteRule; onChange: (v: VoteRule) => void; quorum?: boolean; testId?: string }) {
  const { t } = useI18n();
  const [ratio, setRatio] = useState(value.ratio);
  useEffect(() => setRatio(value.ratio), [value.ratio]);
  const valid = /^[1-9][0-9]{0,3}\/[1-9][0-9]{0,3}$/.test(ratio);
  return (
    <fieldset className="ed-rule" data-testid={testId}>
      <legend>{legend}</legend>
      <div className="ed-row">
        <label>
          {t('editor.vote.of')}
          <select value={value.of} onChange={(e) => onChange({ ...value, of: e.target.value as VoteRule['of'] })} data-testid={testId ? `${testId}-of` : undefined}>
            <option value="all">{t('editor.vote.bases.all')}</option>
            <option value="entitled">{t('editor.vote.bases.entitled')}</option>
            {!quorum && <option value="present">{t('editor.vote.bases.present')}</option>}
          </select>
        </label>
        <label>
          {t('editor.vote.op')}
          <select value={value.op} onChange={(e) => onChange({ ...value, op: e.target.value as VoteRule['op'] })} data-testid={testId ? `${testId}-op` : undefined}>
            <option value=">=">{t('editor.vote.ops.gte')}</option>
            <option value=">">{t('editor.vote.ops.gt')}</option>
          </select>
        </label>
        <label>
          {t('editor.vote.ratio')}
          <input
            type="text"
            className="ed-mono ed-short"
            value={ratio}
            aria-invalid={valid ? undefined : true}
            data-testid={testId ? `${testId}-ratio` : undefined}
            onChange={(e) => {
              setRatio(e.target.value);
              if (/^[1-9][0-9]{0,3}\/[1-9][0-9]{0,3}$/.test(e.target.value)) onChange({ ...value, ratio: e.target.value });
            }}
          />
        </label>
      </div>
      {!valid && <div className="ed-problem">{t('editor.vote.ratioProblem')}</div>}
    </fieldset>
  );
}

const SIMPLE = /^P(?:(\d+)W|(\d+)D|T(\d+)H)$/;

/** A period: an amount with its unit (or the ISO-8601 text when it is not that simple) and the calendar. */
export function PeriodField({ legend, value, onChange, testId }: { legend: string; value: Period; onChange: (v: Period) => void; testId?: string }) {
  const { t } = useI18n();
  const m = SIMPLE.exec(value.duration);
  const unit = m ? (m[1] ? 'W' : m[2] ? 'D' : 'H') : 'ISO';
  const amount = m ? Number(m[1] ?? m[2] ?? m[3]) : 0;
  const make = (n: number, u: string) => (u === 'W' ? `P${n}W` : u === 'H' ? `PT${n}H` : `P${n}D`);
  const calendar = value.calendar ?? 'natural';
  const set = (p: Partial<Period>) => {
    const next: Period = { ...value, ...p };
    onChange(next);
  };
  return (
    <fieldset className="ed-period" data-testid={testId}>
      <legend>{legend}</legend>
      <div className="ed-row">
        {unit === 'ISO' ? (
          <TextField label={t('editor.period.iso')} value={value.duration} mono onChange={(v) => set({ duration: v })} />
        ) : (
          <>
            <label>
              {t('editor.period.amount')}
              <input type="number" min={1} max={9999} className="ed-short" value={amount} data-testid={testId ? `${testId}-amount` : undefined} onChange={(e) => Number(e.target.value) >= 1 && set({ duration: make(Math.floor(Number(e.target.value)), unit) })} />
            </label>
            <label>
              {t('editor.period.unit')}
              <select value={unit} onChange={(e) => set({ duration: make(amount, e.target.value), ...(e.target.value !== 'D' ? { calendar: 'natural' as Calendar } : {}) })}>
                <option value="D">{t('editor.period.units.D')}</option>
                <option value="W">{t('editor.period.units.W')}</option>
                <option value="H">{t('editor.period.units.H')}</option>
              </select>
            </label>
          </>
        )}
        <label>
          {t('editor.period.calendar')}
          <select value={calendar} onChange={(e) => set({ calendar: e.target.value as Calendar })} data-testid={testId ? `${testId}-calendar` : undefined}>
            <option value="natural">{t('editor.period.natural')}</option>
            <option value="working">{t('editor.period.working')}</option>
          </select>
        </label>
      </div>
      <div className="ed-hint">
        {durationWords(t, value.duration, calendar)} <code className="ed-code">{value.duration}</code>
        {calendar === 'working' && <ExpectedEnd period={value} testId={testId} />}
      </div>
    </fieldset>
  );
}

/** "→ 若今天开始，10月9日结束": where a working-day period started now would end. */
function ExpectedEnd({ period, testId }: { period: Period; testId?: string }) {
  const { t, lang } = useI18n();
  const now = new Date().toISOString();
  const { calendar, provisionalYears } = useWorkCalendar(now);
  const end = periodEnd(period, now, calendar);
  if (!end) return null;
  const date = dayWords(end, lang, Number(chinaDay(now).slice(0, 4)));
  const years = provisionalYears(now, `${end}T12:00:00+08:00`);
  return (
    <span className="ed-period-end" data-testid={testId ? `${testId}-end` : 'period-end'} data-date={end} data-provisional={years.join(',') || undefined}>
      {' → '}
      {years.length ? t('calendar.endsIfTodayProvisional', { date, years: years.join(t('calendar.yearsJoin')) }) : t('calendar.endsIfToday', { date })}
    </span>
  );
}

/**
 * JSON edited as text: the value is sent only when the text parses (and `check` accepts it);
 * otherwise the problem is shown and the document keeps its last good value.
 */
export function JsonField({ label, value, onChange, check, rows = 8, testId }: { label: ReactNode; value: unknown; onChange: (v: unknown, coalesce: string) => void; check?: (v: unknown) => string | null; rows?: number; testId?: string }) {
  const { t } = useI18n();
  const typing = useTyping();
  const id = useId();
  const pretty = value === undefined ? '' : JSON.stringify(value, null, 2);
  const [draft, setDraft] = useState(pretty);
  const [problem, setProblem] = useState<string | null>(null);
  const focused = useRef(false);
  // Follow the document (undo, other panels) unless the reader is typing here.
  useEffect(() => {
    if (!focused.current) {
      setDraft(pretty);
      setProblem(null);
    }
  }, [pretty]);
  return (
    <div className="ed-field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        className="ed-mono"
        rows={rows}
        value={draft}
        spellCheck={false}
        data-testid={testId}
        aria-invalid={problem ? true : undefined}
        onFocus={() => {
          focused.current = true;
          typing.onFocus();
        }}
        onBlur={() => {
          focused.current = false;
          if (!problem) setDraft(pretty);
        }}
        onChange={(e) => {
          setDraft(e.target.value);
          let v: unknown;
          try {
            v = JSON.parse(e.target.value);
          } catch (error) {
            setProblem(t('editor.json.notJson', { message: (error as Error).message }));
            return;
          }
          const p = check?.(v) ?? null;
          setProblem(p);
          if (!p) onChange(v, typing.key());
        }}
      />
      {problem && (
        <div className="ed-problem" role="alert">
          {problem}
        </div>
      )}
    </div>
  );
}
