// A vote by ballot. A member of the electorate casts 赞成 / 反对 / 弃权 and may change it until the
// vote closes; the recorder closes the vote with the body's numbers. The tally stays on the server
// until then (the page knows only how many have voted), so closing shows the rules, the number
// cast and, when there is a quorum, whether the ballots cast already make it, by the engine's rule.
// A secret ballot (vote.secret) is cast once, after a confirmation; afterwards the page says only
// that the member voted: the server keeps no link from the member to the choice, and neither does
// the page once the ballot is sent.
import { useRef, useState, type FormEvent } from 'react';
import { checkRule, countProblems } from '../../engine/index.ts';
import { useI18n } from '../i18n/index.tsx';
import { CountInput, RosterNote, RulePart, VoteRules, type RosterCounts } from './meetingParts.tsx';
import { asVote, normalizeDigits, parseCount, problemText, serverErrors, type CountInputs } from './meetingRules.ts';
import { SendError } from './SendError.tsx';
import type { Sender } from './useSend.ts';

const CHOICES = ['for', 'against', 'abstain'] as const;

export function Ballot({ vote: raw, events, ballots, sender, roster }: { vote: unknown; events: string[]; ballots?: { cast: number; mine: string | null }; sender: Sender; roster?: RosterCounts }) {
  const vote = asVote(raw);
  if (!vote) return null;
  const cast = ballots?.cast ?? 0;
  return (
    <div className="mtg mtg-ballot">
      <VoteRules vote={vote} />
      {vote.secret
        ? (events.includes('CAST_BALLOT') || ballots?.mine === 'sealed') && <CastSecretBallot sealed={ballots?.mine === 'sealed'} cast={cast} sender={sender} />
        : events.includes('CAST_BALLOT') && <CastBallot mine={ballots?.mine ?? null} cast={cast} sender={sender} />}
      {events.includes('CLOSE_VOTE') && <CloseVote vote={vote} cast={cast} sender={sender} roster={roster} />}
      <SendError error={sender.error} />
    </div>
  );
}

function CastBallot({ mine, cast, sender }: { mine: string | null; cast: number; sender: Sender }) {
  const { t } = useI18n();
  return (
    <section className="mtg-cast" aria-labelledby="ballot-title" data-testid="cast-ballot">
      <h3 id="ballot-title">{t('meeting.ballotTitle')}</h3>
      <p>{t('meeting.ballotIntro')}</p>
      <div className="mtg-choices" role="group" aria-labelledby="ballot-title">
        {CHOICES.map((c) => (
          <button
            key={c}
            type="button"
            className={`choice choice-${c}${mine === c ? ' chosen' : ''}`}
            aria-pressed={mine === c}
            disabled={sender.busy}
            data-choice={c}
            onClick={() => mine !== c && sender.send('CAST_BALLOT', { choice: c })}
          >
            {mine === c && <span aria-hidden="true">✓ </span>}
            {t(`meeting.choices.${c}`)}
          </button>
        ))}
      </div>
      <p role="status" data-testid="my-ballot" data-mine={mine ?? ''}>
        {mine ? (
          <>
            <strong>{t('meeting.mine', { choice: t(`meeting.choices.${mine}`) })}</strong> <span className="muted">{t('meeting.mineChange')}</span>
          </>
        ) : (
          t('meeting.notVoted')
        )}
      </p>
      <p className="muted" data-testid="ballots-cast">
        {t('meeting.cast', { n: cast })}
      </p>
    </section>
  );
}

function CastSecretBallot({ sealed, cast, sender }: { sealed: boolean; cast: number; sender: Sender }) {
  const { t } = useI18n();
  const [picked, setPicked] = useState<(typeof CHOICES)[number] | null>(null);
  const castIt = async () => {
    const choice = picked;
    // Forget the choice as it leaves: the page keeps no more link than the server does.
    setPicked(null);
    if (choice) await sender.send('CAST_BALLOT', { choice });
  };
  return (
    <section className="mtg-cast" aria-labelledby="ballot-title" data-testid="cast-ballot" data-secret="true">
      <h3 id="ballot-title">{t('meeting.secretTitle')}</h3>
      <p>{t('meeting.secretIntro')}</p>
      {!sealed && (
        <>
          <div className="mtg-choices" role="group" aria-labelledby="ballot-title">
            {CHOICES.map((c) => (
              <button key={c} type="button" className={`choice choice-${c}${picked === c ? ' chosen' : ''}`} aria-pressed={picked === c} disabled={sender.busy} data-choice={c} onClick={() => setPicked(c)}>
                {picked === c && <span aria-hidden="true">✓ </span>}
                {t(`meeting.choices.${c}`)}
              </button>
            ))}
          </div>
          {picked && (
            <div className="mtg-confirm" role="alertdialog" aria-labelledby="secret-confirm-text">
              <p id="secret-confirm-text">{t('meeting.secretPick', { choice: t(`meeting.choices.${picked}`) })}</p>
              <div className="buttons">
                <button type="button" disabled={sender.busy} onClick={castIt} data-event="CAST_BALLOT">
                  {t('meeting.secretCastButton')}
                </button>
                <button type="button" className="secondary" onClick={() => setPicked(null)}>
                  {t('meeting.cancel')}
                </button>
              </div>
            </div>
          )}
        </>
      )}
      <p role="status" data-testid="my-ballot" data-mine={sealed ? 'sealed' : ''}>
        {sealed ? <strong>{t('meeting.secretCast')}</strong> : t('meeting.notVoted')}
      </p>
      <p className="muted" data-testid="ballots-cast">
        {t('meeting.cast', { n: cast })}
      </p>
    </section>
  );
}

type CloseField = 'members' | 'eligible';

/**
 * Closing the vote. On a matter the body's numbers come from its roster (shown, supplied by the
 * server: nobody is recused from a ballot); in the designer's simulation the recorder types them.
 */
function CloseVote({ vote, cast, sender, roster }: { vote: NonNullable<ReturnType<typeof asVote>>; cast: number; sender: Sender; roster?: RosterCounts }) {
  const { t, lang } = useI18n();
  const [typed, setValues] = useState<Record<CloseField, string>>({ members: '', eligible: '' });
  const values = roster ? { members: String(roster.members), eligible: String(roster.voting) } : typed;
  const [tried, setTried] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [edited, setEdited] = useState<Set<string>>(new Set());
  const confirmButton = useRef<HTMLButtonElement>(null);
  const members = parseCount(values.members);
  const eligible = parseCount(values.eligible);
  const counts = { members: members ?? 0, eligible: eligible ?? 0, present: cast, for: 0, against: 0, abstain: 0, recused: 0 };
  // As the engine will check on closing: entitled ≤ members, ballots cast ≤ entitled.
  const problems = members !== null && eligible !== null ? countProblems(counts) : eligible !== null ? countProblems(counts).filter((p) => p.pointer === '/present') : [];
  const texts = { ...values, present: String(cast), for: '', against: '', abstain: '', recused: '' } as CountInputs;
  const quorum = vote.quorum && (vote.quorum.of === 'all' ? members : eligible) !== null ? checkRule(vote.quorum, cast, counts) : null;

  const errorsOf = (f: CloseField): string[] => {
    const raw = values[f];
    const out: string[] = [];
    const n = parseCount(raw);
    if (raw.trim() && n === null) out.push(t('meeting.notInteger'));
    else if (f === 'members' && n === 0) out.push(t('meeting.tooSmall'));
    else if (!raw.trim() && tried) out.push(t('meeting.required'));
    // "Present exceeds eligible" is about the entitled number here: those present are the ballots.
    for (const p of problems) if (p.pointer === `/${f}` || (f === 'eligible' && p.pointer === '/present')) out.push(problemText(t, p, texts));
    if (!edited.has(f)) out.push(...serverErrors(sender, f), ...(f === 'eligible' ? serverErrors(sender, 'present') : []));
    return out;
  };
  const problemFor = (f: CloseField) => problems.some((p) => p.pointer === `/${f}` || (f === 'eligible' && p.pointer === '/present'));
  const invalid = (['members', 'eligible'] as const).find((f) => parseCount(values[f]) === null || (f === 'members' && members === 0) || problemFor(f));

  const ask = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (invalid) {
      document.getElementById(`close-${invalid}`)?.focus();
      return;
    }
    setConfirming(true);
    setTimeout(() => confirmButton.current?.focus(), 0);
  };
  const close = async () => {
    setEdited(new Set());
    setConfirming(false);
    await sender.send('CLOSE_VOTE', roster ? {} : { members, eligible });
  };

  return (
    <form className="mtg-close" onSubmit={ask} noValidate aria-labelledby="close-title" data-testid="close-vote">
      <h3 id="close-title">{t('meeting.closeTitle')}</h3>
      <p className="muted">{t('meeting.closeIntro')}</p>
      {roster && <RosterNote roster={roster} />}
      <div className="mtg-grid">
        {(['members', 'eligible'] as const).map((f) => (
          <CountInput
            key={f}
            id={`close-${f}`}
            field={f}
            value={values[f]}
            errors={errorsOf(f)}
            errorTestId={`close-error-${f}`}
            onChange={(value) => {
              setValues((old) => ({ ...old, [f]: value }));
              setEdited((old) => new Set(old).add(f));
              setConfirming(false);
            }}
            onBlur={() => setValues((old) => ({ ...old, [f]: normalizeDigits(old[f]) }))}
            fromRoster={!!roster}
          />
        ))}
        <div className="mtg-field">
          <span className="mtg-label">{t('meeting.closeCastNote')}</span>
          <output className="mtg-cast-number" data-testid="close-cast">
            {cast}
          </output>
        </div>
      </div>
      <div className="mtg-live" role="status" aria-live="polite" data-testid="close-live">
        <p className="mtg-outcome">
          {quorum && (
            <>
              {t('meeting.closeLive')}
              {lang === 'en' ? ' ' : ''}
              <RulePart label={t('meeting.livePresent')} check={quorum} />
              <span aria-hidden="true"> · </span>
            </>
          )}
          <span className="muted">{t('meeting.closeForLater')}</span>
        </p>
      </div>
      {confirming ? (
        <div className="mtg-confirm" role="alertdialog" aria-labelledby="close-confirm-text">
          <p id="close-confirm-text">{t('meeting.closeConfirm')}</p>
          <div className="buttons">
            <button ref={confirmButton} type="button" disabled={sender.busy} onClick={close} data-event="CLOSE_VOTE">
              {t('meeting.closeConfirmButton')}
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              {t('meeting.cancel')}
            </button>
          </div>
        </div>
      ) : (
        <div className="buttons">
          <button type="submit" disabled={sender.busy}>
            {t('meeting.closeButton')}
          </button>
        </div>
      )}
    </form>
  );
}
