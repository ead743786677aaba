// Pieces both meeting components show: the voting body, its legal basis and rules in words, one
// rule applied to numbers ("出席 14/20 ≥ 2/3 ✓"), and the input of one head count.
import type { RuleCheck, VoteConfig, VoteResult } from '../../engine/index.ts';
import { useI18n } from '../i18n/index.tsx';
import { OP_SIGN, ruleText, type CountField } from './meetingRules.ts';

/** One head count: digits typed freely (full-width too, normalised on leaving), with its hint and errors. */
export function CountInput({ id, field, value, errors, errorTestId, onChange, onBlur, fromRoster }: { id: string; field: CountField; value: string; errors: string[]; errorTestId: string; onChange: (value: string) => void; onBlur: () => void; fromRoster?: boolean }) {
  const { t } = useI18n();
  return (
    <div className={errors.length ? 'mtg-field has-error' : 'mtg-field'}>
      <label htmlFor={id}>{t(`meeting.fields.${field}`)}</label>
      <input
        id={id}
        name={field}
        type="text"
        inputMode="numeric"
        autoComplete="off"
        maxLength={7}
        value={value}
        readOnly={fromRoster}
        className={fromRoster ? 'mtg-from-roster' : undefined}
        onChange={(e) => onChange(e.target.value)}
        onBlur={onBlur}
        aria-invalid={errors.length > 0}
        aria-describedby={`${id}-hint${errors.length ? ` ${id}-error` : ''}`}
      />
      <small id={`${id}-hint`} className="muted">
        {t(fromRoster ? `meeting.rosterHints.${field}` : `meeting.hints.${field}`)}
      </small>
      {errors.length > 0 && (
        <p id={`${id}-error`} className="field-error" data-testid={errorTestId}>
          {errors.join('；')}
        </p>
      )}
    </div>
  );
}

export function VoteRules({ vote }: { vote: VoteConfig }) {
  const { t, text, lang } = useI18n();
  return (
    <dl className="mtg-rules" data-testid="vote-rules">
      <dt>{t('meeting.body')}</dt>
      <dd>{text(vote.body)}</dd>
      <dt>{t('meeting.quorum')}</dt>
      <dd>{vote.quorum ? ruleText(t, lang, vote.quorum, 'quorum') : t('meeting.noQuorumRule')}</dd>
      <dt>{t('meeting.pass')}</dt>
      <dd>{ruleText(t, lang, vote.pass, 'pass')}</dd>
      {vote.basis && (
        <>
          <dt>{t('meeting.basis')}</dt>
          <dd className="mtg-basis">{text(vote.basis)}</dd>
        </>
      )}
    </dl>
  );
}

/** A rule applied: the label, count/base, the rule's sign and fraction, and whether it is met. */
export function RulePart({ label, check }: { label: string; check: RuleCheck }) {
  const { t } = useI18n();
  return (
    <span className={check.met ? 'mtg-rule met' : 'mtg-rule unmet'}>
      {label} {check.count}/{check.base} {OP_SIGN[check.op]} {check.ratio}{' '}
      <span role="img" aria-label={check.met ? t('meeting.met') : t('meeting.notMet')}>
        {check.met ? '✓' : '✗'}
      </span>
    </span>
  );
}

/** "出席 14/20 ≥ 2/3 ✓ · 赞成 8/14 > 1/2 ✓ → 通过" */
export function OutcomeLine({ result }: { result: VoteResult }) {
  const { t } = useI18n();
  return (
    <p className="mtg-outcome" data-outcome={result.outcome}>
      {result.quorum && (
        <>
          <RulePart label={t('meeting.livePresent')} check={result.quorum} />
          <span aria-hidden="true"> · </span>
        </>
      )}
      <RulePart label={t('meeting.liveFor')} check={result.pass} />
      <span aria-hidden="true"> → </span>
      <strong className={`mtg-verdict ${result.outcome}`}>{t(`meeting.outcomes.${result.outcome}`)}</strong>
    </p>
  );
}

/** The roster a meeting is recorded against, as the server supplies it (rosters.ofMatter). */
export interface RosterCounts {
  members: number;
  voting: number;
  day: string;
  count: { effectiveFrom: string; source: string } | null;
}

/** Where the members and those entitled to vote come from: the body's roster on the day, or its registered count. */
export function RosterNote({ roster }: { roster: RosterCounts }) {
  const { t } = useI18n();
  return (
    <p className="muted" data-testid="roster-note">
      {roster.count
        ? t('meeting.rosterCounted', { day: roster.day, members: roster.members, source: roster.count.source, from: roster.count.effectiveFrom })
        : t('meeting.rosterAccounts', { day: roster.day, members: roster.members, voting: roster.voting })}
    </p>
  );
}
