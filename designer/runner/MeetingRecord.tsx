// The clerk's meeting record: who belongs to the body, who may vote, who came and how they voted,
// with the sign-in sheet's fingerprint, township attendees and notes. The outcome is worked out
// while the numbers are typed, by the engine's own rules; inconsistent numbers are shown next to
// their field and not sent. The server's field errors show next to their fields too. On a matter
// (not in the designer's simulation) the body's members and those entitled to vote come from its
// roster: shown, not typed, and supplied by the server; the clerk enters recusals and who came.
import { useEffect, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { evidenceOf, type Evidence } from './meetingEvidence.ts';
import { CountInput, OutcomeLine, RosterNote, VoteRules, type RosterCounts } from './meetingParts.tsx';
import { asVote, COUNT_FIELDS, EMPTY_COUNTS, liveOutcome, liveProblems, normalizeDigits, parseCount, problemText, serverErrors, type CountField, type CountInputs } from './meetingRules.ts';
import { SendError } from './SendError.tsx';
import type { Sender } from './useSend.ts';

const ATTENDANCE: CountField[] = ['members', 'eligible', 'recused', 'present'];
const fromRoster = (f: CountField) => f === 'members' || f === 'eligible';
const TALLY: CountField[] = ['for', 'against', 'abstain'];

/** The typed numbers with the roster's members and eligible (those entitled less those recused) in their place. */
function withRoster(values: CountInputs, roster: RosterCounts | undefined): CountInputs {
  if (!roster) return values;
  return { ...values, members: String(roster.members), eligible: String(Math.max(0, roster.voting - (parseCount(values.recused) ?? 0))) };
}

export function MeetingRecord({ vote: raw, sender, roster }: { vote: unknown; sender: Sender; roster?: RosterCounts }) {
  const { t } = useI18n();
  const vote = asVote(raw);
  const [typed, setValues] = useState<CountInputs>(EMPTY_COUNTS);
  const values = withRoster(typed, roster);
  const [tried, setTried] = useState(false);
  const [edited, setEdited] = useState<Set<string>>(new Set());
  const [evidence, setEvidence] = useState<Evidence[]>([]);
  const [reading, setReading] = useState(false);
  const [readError, setReadError] = useState<string | null>(null);
  const [attendees, setAttendees] = useState('');
  const [notes, setNotes] = useState('');
  const [blocked, setBlocked] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const chooseButton = useRef<HTMLButtonElement>(null);
  const previews = useRef<string[]>([]);
  previews.current = evidence.flatMap((e) => (e.preview ? [e.preview] : []));
  useEffect(() => () => previews.current.forEach((u) => URL.revokeObjectURL(u)), []);
  if (!vote) return null;

  const recused = parseCount(values.recused);
  const problems = [
    ...liveProblems(values),
    // More recused than the roster's voting members: eligible cannot go below zero.
    ...(roster && recused !== null && recused > roster.voting ? [{ pointer: '/recused', message: `recused (${recused}) exceeds the voting members (${roster.voting})`, code: 'recusedExceedsVoting', params: { recused, voting: roster.voting } }] : []),
  ];
  const result = liveOutcome(vote, values);
  const edit = (field: string) => setEdited((old) => (old.has(field) ? old : new Set(old).add(field)));
  const fromServer = (field: string) => (edited.has(field) ? [] : serverErrors(sender, field));

  const errorsOf = (f: CountField): string[] => {
    const raw = values[f];
    const out: string[] = [];
    const n = parseCount(raw);
    if (raw.trim() && n === null) out.push(t('meeting.notInteger'));
    else if (f === 'members' && n === 0) out.push(t('meeting.tooSmall'));
    else if (!raw.trim() && tried) out.push(t('meeting.required'));
    for (const p of problems) if (p.pointer === `/${f}`) out.push(problemText(t, p, values));
    return [...out, ...fromServer(f)];
  };

  const setCount = (f: CountField) => (value: string) => {
    setValues((old) => ({ ...old, [f]: value }));
    edit(f);
    setBlocked(false);
  };

  const addFiles = async (e: ChangeEvent<HTMLInputElement>) => {
    const files = [...(e.target.files ?? [])];
    e.target.value = '';
    if (!files.length) return;
    setReading(true);
    setReadError(null);
    try {
      const added = await Promise.all(files.map(evidenceOf));
      setEvidence((old) => [...old, ...added.filter((a) => !old.some((o) => o.ref === a.ref))]);
      edit('signIn');
    } catch (err) {
      setReadError(t('meeting.signInFailed', { message: err instanceof Error ? err.message : String(err) }));
    } finally {
      setReading(false);
    }
  };
  const removeFile = (ref: string) => {
    setEvidence((old) => {
      for (const e of old) if (e.ref === ref && e.preview) URL.revokeObjectURL(e.preview);
      return old.filter((e) => e.ref !== ref);
    });
    edit('signIn');
    chooseButton.current?.focus();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    const invalid = COUNT_FIELDS.find((f) => parseCount(values[f]) === null || (f === 'members' && parseCount(values[f]) === 0) || problems.some((p) => p.pointer === `/${f}`));
    if (invalid || reading) {
      setBlocked(true);
      if (invalid) document.getElementById(`meeting-${invalid}`)?.focus();
      return;
    }
    setBlocked(false);
    // The roster's numbers are the server's to supply: only what the clerk typed is sent.
    const payload: Record<string, unknown> = Object.fromEntries(COUNT_FIELDS.filter((f) => !(roster && fromRoster(f))).map((f) => [f, parseCount(values[f])]));
    if (evidence.length) payload.signIn = evidence.map((x) => x.ref);
    const names = attendees.split('\n').map((l) => l.trim()).filter(Boolean);
    if (names.length) payload.attendees = names;
    if (notes.trim()) payload.notes = notes.trim();
    setEdited(new Set());
    if (await sender.send('RECORD_VOTE', payload)) {
      for (const x of evidence) if (x.preview) URL.revokeObjectURL(x.preview);
      setValues(EMPTY_COUNTS);
      setEvidence([]);
      setAttendees('');
      setNotes('');
      setTried(false);
    }
  };

  const countInput = (f: CountField) => (
    <CountInput
      key={f}
      id={`meeting-${f}`}
      field={f}
      value={values[f]}
      errors={errorsOf(f)}
      errorTestId={`error-${f}`}
      onChange={setCount(f)}
      onBlur={() => setValues((old) => ({ ...old, [f]: normalizeDigits(old[f]) }))}
      fromRoster={!!roster && fromRoster(f)}
    />
  );

  const listErrors = (field: string) => {
    const errors = fromServer(field);
    return errors.length ? (
      <p id={`meeting-${field}-error`} className="field-error" data-testid={`error-${field}`}>
        {errors.join('；')}
      </p>
    ) : null;
  };

  return (
    <form className="mtg mtg-record" onSubmit={submit} noValidate data-testid="meeting-record" aria-labelledby="meeting-record-title">
      <h3 id="meeting-record-title">{t('meeting.recordTitle')}</h3>
      <VoteRules vote={vote} />
      <p className="muted">{t('meeting.recordIntro')}</p>
      {roster && <RosterNote roster={roster} />}
      <fieldset className="mtg-counts">
        <legend>{t('meeting.attendance')}</legend>
        <div className="mtg-grid">{ATTENDANCE.map(countInput)}</div>
      </fieldset>
      <fieldset className="mtg-counts">
        <legend>{t('meeting.tally')}</legend>
        <div className="mtg-grid">{TALLY.map(countInput)}</div>
      </fieldset>

      <section className="mtg-live" aria-labelledby="meeting-live-title">
        <h4 id="meeting-live-title">{t('meeting.liveTitle')}</h4>
        <div role="status" aria-live="polite" data-testid="live-outcome">
          {/* Never an outcome beside numbers that contradict each other: the problems instead. */}
          {problems.length > 0 ? (
            <div className="field-error" data-testid="live-problems">
              <p>{t('meeting.liveInconsistent')}</p>
              <ul>
                {problems.map((p) => (
                  <li key={p.pointer}>{problemText(t, p, values)}</li>
                ))}
              </ul>
            </div>
          ) : result ? (
            <OutcomeLine result={result} />
          ) : (
            <p className="muted">{t('meeting.liveWaiting')}</p>
          )}
        </div>
      </section>

      <fieldset className="mtg-evidence">
        <legend>{t('meeting.evidence')}</legend>
        <label htmlFor="meeting-signIn">{t('meeting.signIn')}</label>
        <div className="mtg-file-pick">
          <input ref={fileInput} id="meeting-signIn" name="signIn" type="file" accept="image/*" multiple tabIndex={-1} className="mtg-file-input" onChange={addFiles} />
          <button
            ref={chooseButton}
            type="button"
            className="secondary"
            onClick={() => fileInput.current?.click()}
            disabled={reading}
            aria-describedby={`meeting-signIn-hint${fromServer('signIn').length ? ' meeting-signIn-error' : ''}`}
          >
            {t('meeting.choosePhotos')}
          </button>
          <span className="muted">{evidence.length ? t('meeting.photosChosen', { n: evidence.length }) : t('meeting.noPhotos')}</span>
        </div>
        <small id="meeting-signIn-hint" className="muted">
          {t('meeting.signInHint')}
        </small>
        {reading && <p role="status">{t('meeting.signInReading')}</p>}
        {readError && (
          <p role="alert" className="field-error">
            {readError}
          </p>
        )}
        {evidence.length > 0 && (
          <ul className="mtg-files" data-testid="sign-in-files">
            {evidence.map((x) => (
              <li key={x.ref}>
                {x.preview && <img src={x.preview} alt="" />}
                <span className="mtg-file-name">{x.name}</span>
                <span className="muted mtg-file-hash" title={x.hex}>
                  {t('meeting.fingerprint')} {x.hex.slice(0, 16)}…
                </span>
                <button type="button" className="secondary" onClick={() => removeFile(x.ref)} aria-label={t('meeting.removeFile', { name: x.name })}>
                  {t('meeting.remove')}
                </button>
              </li>
            ))}
          </ul>
        )}
        {listErrors('signIn')}

        <label htmlFor="meeting-attendees">{t('meeting.attendees')}</label>
        <textarea
          id="meeting-attendees"
          name="attendees"
          rows={3}
          value={attendees}
          onChange={(e) => (setAttendees(e.target.value), edit('attendees'))}
          aria-describedby={`meeting-attendees-hint${fromServer('attendees').length ? ' meeting-attendees-error' : ''}`}
        />
        <small id="meeting-attendees-hint" className="muted">
          {t('meeting.attendeesHint')}
        </small>
        {listErrors('attendees')}

        <label htmlFor="meeting-notes">{t('meeting.notes')}</label>
        <textarea
          id="meeting-notes"
          name="notes"
          rows={3}
          maxLength={5000}
          value={notes}
          onChange={(e) => (setNotes(e.target.value), edit('notes'))}
          aria-describedby={`meeting-notes-hint${fromServer('notes').length ? ' meeting-notes-error' : ''}`}
        />
        <small id="meeting-notes-hint" className="muted">
          {t('meeting.notesHint')}
        </small>
        {listErrors('notes')}
      </fieldset>

      {blocked && (
        <p role="alert" className="error-box">
          {t('meeting.fixFirst')}
        </p>
      )}
      <div className="buttons">
        <button type="submit" disabled={sender.busy || reading} data-event="RECORD_VOTE">
          {sender.busy ? t('meeting.submitting') : t('meeting.submitRecord')}
        </button>
      </div>
      <SendError error={sender.error} />
    </form>
  );
}
