// Recorded values as a person reads them: numbers with separators, times in China time, enumerated
// values by their titles, objects as labelled lists, meeting results as counts and rules, never
// raw JSON. Shared by the audit replay and the public board.
import { escapeToken, type VoteResult } from '../../engine/index.ts';
import { formatTime } from '../app/ui.tsx';
import { useI18n } from '../i18n/index.tsx';
import { MaskedView } from './Personal.tsx';
import { isMasked } from './masked.ts';

/** How to name and show values: the caller knows the flow (audit) or only the labels (board). */
export interface Labeler {
  /** The label of the value at `pointer` (its last token is `key`), if known. */
  label(pointer: string, key: string): string | undefined;
  /** A readable form of a scalar at `pointer` (an enumerated value's title), if known. */
  format?(pointer: string, value: unknown): string | undefined;
}

export function isVoteResult(v: unknown): v is VoteResult {
  if (v === null || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  return typeof r.for === 'number' && typeof r.present === 'number' && typeof r.outcome === 'string' && typeof r.pass === 'object';
}

/** A readable key when nothing better is known: the app's own field names, else the key itself. */
export function useFieldLabel() {
  const { t } = useI18n();
  return (key: string) => {
    const known = t(`audit.fields.${key}`);
    return known === `audit.fields.${key}` ? key.replace(/_/g, ' ') : known;
  };
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export function useFormatScalar() {
  const { t, lang } = useI18n();
  return (value: unknown): string => {
    if (value === null || value === undefined || value === '') return '—';
    if (typeof value === 'boolean') return value ? t('common.yes') : t('common.no');
    if (typeof value === 'number') return value.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-US');
    if (typeof value === 'string') return ISO_TIME.test(value) ? formatTime(value) : value;
    return JSON.stringify(value);
  };
}

export function ValueView({ value, pointer, labeler }: { value: unknown; pointer: string; labeler: Labeler }) {
  const scalar = useFormatScalar();
  const fieldLabel = useFieldLabel();
  if (isVoteResult(value)) return <VoteSummary vote={value} />;
  if (isMasked(value)) return <MaskedView value={value} format={(v) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : labeler.format?.(pointer, v) ?? scalar(v))} />;
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="muted">—</span>;
    if (value.every((x) => x === null || typeof x !== 'object')) {
      return <span className="value">{value.map((x, i) => labeler.format?.(`${pointer}/${i}`, x) ?? scalar(x)).join('、')}</span>;
    }
    return (
      <ol className="value-list">
        {value.map((x, i) => (
          <li key={i}>
            <ValueView value={x} pointer={`${pointer}/${i}`} labeler={labeler} />
          </li>
        ))}
      </ol>
    );
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return <span className="muted">—</span>;
    return (
      <dl className="kv">
        {entries.map(([key, v]) => {
          const p = `${pointer}/${escapeToken(key)}`;
          return (
            <div key={key} className="kv-row">
              <dt>{labeler.label(p, key) ?? fieldLabel(key)}</dt>
              <dd>
                <ValueView value={v} pointer={p} labeler={labeler} />
              </dd>
            </div>
          );
        })}
      </dl>
    );
  }
  return <span className="value">{labeler.format?.(pointer, value) ?? scalar(value)}</span>;
}

const OPS: Record<string, string> = { '>=': '≥', '>': '>' };

/** A meeting's result: outcome, who was there and how they voted, and each rule as applied. */
export function VoteSummary({ vote, title, recorder }: { vote: VoteResult; title?: string; recorder?: boolean }) {
  const { t } = useI18n();
  const counts = ['members', 'eligible', 'present', 'for', 'against', 'abstain', 'recused'] as const;
  const rule = (kind: 'quorum' | 'pass') => {
    const r = vote[kind];
    if (!r) return null;
    return (
      <li className={r.met ? 'met' : 'not-met'}>
        {t(`audit.vote.${kind}Rule`, { count: r.count, base: t(`audit.vote.bases.${r.of}`), total: r.base, op: OPS[r.op] ?? r.op, ratio: r.ratio })}
        {' — '}
        <strong>{r.met ? t('audit.vote.met') : t('audit.vote.notMet')}</strong>
      </li>
    );
  };
  return (
    <div className="vote-summary" data-testid="vote-summary">
      <p className="vote-head">
        {title && <strong>{title} </strong>}
        <span className={`badge ${vote.outcome === 'passed' ? 'ok' : 'danger'}`}>{t(`audit.vote.outcome.${vote.outcome}`)}</span>
        <span className="muted"> {t(vote.secret ? 'audit.vote.secretBallot' : `audit.vote.mode.${vote.mode}`)}</span>
      </p>
      <dl className="counts">
        {counts.map((k) => (
          <div key={k}>
            <dt>{t(`audit.vote.${k}`)}</dt>
            <dd>{vote[k]}</dd>
          </div>
        ))}
      </dl>
      <ul className="rules">
        {rule('quorum')}
        {rule('pass')}
      </ul>
      {vote.notes && (
        <p className="muted">{t('audit.vote.notes', { notes: vote.notes })}</p>
      )}
      <p className="muted">{recorder ? t('audit.vote.recordedBy', { at: formatTime(vote.at), by: vote.by }) : t('audit.vote.recordedAt', { at: formatTime(vote.at) })}</p>
    </div>
  );
}
