// The inspector: the properties of what is selected. A state: titles, description, roles and what
// its kind needs (form, vote rule, disclosure, deadline, outcome) and its transitions; a
// transition: event, target, roles, guard (checked as it is typed) and description; nothing
// selected: the flow itself — id, version, titles, starters, readers, the first step, roles, data schema.
import { useEffect, useState } from 'react';
import { useSelector } from '@xstate/store-react';
import { EVENT_NAME, guardProblem, labelAt, stepHolders, type Flow, type FormConfig, type JsonSchema, type Period, type StateConfig, type StateKind, type Text, type TransitionObject, transitionsOf, type TransitionRef } from '../../engine/index.ts';
import { subjectCandidates } from './subject.ts';
import { useI18n } from '../i18n/index.tsx';
import { useRoleCatalogue } from '../app/roles.ts';
import { durationWords, eventWords } from '../diagram/words.ts';
import { FormDesigner } from './FormDesigner.tsx';
import { useChecks, useDoc, useEditorStore } from './context.tsx';
import { KIND_EVENTS, suggestEvent } from './document.ts';
import { issueWords } from './issueWords.ts';
import { setForm } from './formData.ts';
import { getTransition, setFlowProps, timerProblem, type NewTimer } from './edits.ts';
import { BilingualField, CommitField, JsonField, PeriodField, RoleChecks, RuleField, TextField } from './fields.tsx';

const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const OUTCOMES = ['adopted', 'rejected', 'withdrawn', 'completed', 'approved', 'denied', 'cancelled', 'closed'] as const;

/** JSON pointers the data schema declares (two levels), for saveTo and publish suggestions. */
export function dataPointers(data: JsonSchema | undefined): string[] {
  const out: string[] = [];
  const walk = (schema: unknown, prefix: string, depth: number) => {
    const props = (schema as { properties?: Record<string, unknown> } | undefined)?.properties;
    if (!props || typeof props !== 'object' || depth > 2) return;
    for (const [k, v] of Object.entries(props)) {
      out.push(`${prefix}/${k}`);
      walk(v, `${prefix}/${k}`, depth + 1);
    }
  };
  walk(data, '', 1);
  return out;
}

export function Inspector() {
  const store = useEditorStore();
  const selection = useSelector(store, (s) => s.context.selection);
  if (selection?.kind === 'state') return <StateInspector key={selection.id} id={selection.id} />;
  if (selection?.kind === 'transition') return <TransitionInspector key={JSON.stringify(selection.ref)} r={selection.ref} />;
  return <FlowInspector />;
}

function LegalNotes({ prefix }: { prefix: string }) {
  const { text, t } = useI18n();
  const { legal, errors } = useChecks();
  const here = (p: string) => p === prefix || p.startsWith(`${prefix}/`);
  const mine = [...errors.filter((e) => here(e.pointer)).map((e) => ({ level: 'error', message: issueWords(e.message, t), pointer: e.pointer })), ...legal.filter((l) => here(l.pointer)).map((l) => ({ level: l.level, message: text(l.message), pointer: l.pointer }))];
  if (!mine.length) return null;
  return (
    <ul className="ed-notes" aria-label={t('editor.issues.here')}>
      {mine.map((m, i) => (
        <li key={i} className={`ed-note ed-note-${m.level}`}>
          <strong>{t(`editor.issues.levels.${m.level}`)}</strong> {m.message}
        </li>
      ))}
    </ul>
  );
}

// ---- state --------------------------------------------------------------------------------

function StateInspector({ id }: { id: string }) {
  const { t, text } = useI18n();
  const store = useEditorStore();
  const doc = useDoc();
  const state = doc.states[id];
  if (!state) return null;
  const set = (patch: Partial<{ [K in keyof StateConfig]: StateConfig[K] | undefined }>, coalesce?: string) => store.trigger.setStateProps({ id, patch, ...(coalesce ? { coalesce } : {}) });
  const checkId = (v: string) => (!SNAKE.test(v) ? t('editor.state.idProblem') : Object.hasOwn(doc.states, v) ? t('editor.state.idTaken') : null);
  return (
    <section className="ed-inspector" aria-label={t('editor.inspector.state')} data-testid="inspector-state" data-state={id}>
      <h2>
        <span className={`ed-kind-tag fd-${state.kind}`}>{t(`diagram.kinds.${state.kind}`)}</span> {text(state.title) || id}
      </h2>
      <LegalNotes prefix={`/states/${id}`} />
      <CommitField label={t('editor.state.id')} value={id} check={checkId} onCommit={(to) => store.trigger.renameState({ from: id, to })} testId="state-id" />
      <div className="ed-row">
        <label>
          {t('editor.state.kind')}
          <select value={state.kind} onChange={(e) => set({ kind: e.target.value as StateKind })} data-testid="state-kind">
            {(['task', 'vote', 'review', 'disclosure', 'final'] as const).map((k) => (
              <option key={k} value={k}>
                {t(`diagram.kinds.${k}`)}
              </option>
            ))}
          </select>
        </label>
        {doc.initial !== id ? (
          <button type="button" className="secondary" onClick={() => store.trigger.setFlowProps({ patch: { initial: id } })}>
            {t('editor.state.makeInitial')}
          </button>
        ) : (
          <span className="badge ok">{t('diagram.start')}</span>
        )}
      </div>
      <BilingualField label={t('editor.state.title')} value={state.title} onChange={(v, c) => set({ title: v }, c)} testId="state-title" />
      <BilingualField label={t('editor.state.description')} value={state.description} optional multiline onChange={(v, c) => set({ description: v }, c)} />
      {state.kind !== 'final' && <RoleChecks legend={t('editor.state.roles')} roles={doc.roles ?? {}} value={state.roles ?? []} onChange={(roles) => set({ roles })} />}
      {state.kind === 'task' && <TaskPart id={id} state={state} />}
      {state.kind === 'vote' && <VotePart id={id} state={state} />}
      {state.kind === 'review' && (
        <TextField label={t('editor.review.saveTo')} value={state.review?.saveTo ?? ''} mono onChange={(v, c) => set({ review: v ? { saveTo: v } : undefined }, c)} hint={t('editor.saveToHint')} />
      )}
      {state.kind === 'disclosure' && <DisclosurePart id={id} state={state} />}
      {state.kind === 'final' && (
        <label>
          {t('editor.final.outcome')}
          <select value={state.outcome ?? 'completed'} onChange={(e) => set({ outcome: e.target.value as StateConfig['outcome'] })} data-testid="final-outcome">
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {t(`editor.final.outcomes.${o}`)}
              </option>
            ))}
          </select>
        </label>
      )}
      {state.kind !== 'final' && state.kind !== 'disclosure' && <DeadlinePart state={state} set={set} />}
      {state.kind !== 'final' && <TransitionList id={id} />}
      <div className="buttons">
        <button type="button" className="danger" onClick={() => store.trigger.deleteState({ id })} data-testid="delete-state">
          {t('editor.state.delete')}
        </button>
      </div>
    </section>
  );
}

type SetState = (patch: Partial<{ [K in keyof StateConfig]: StateConfig[K] | undefined }>, coalesce?: string) => void;

function DeadlinePart({ state, set }: { state: StateConfig; set: SetState }) {
  const { t } = useI18n();
  return (
    <fieldset className="ed-group">
      <legend>{t('editor.deadline.title')}</legend>
      <label className="ed-check">
        <input type="checkbox" checked={!!state.deadline} onChange={(e) => set({ deadline: e.target.checked ? { duration: 'P5D', calendar: 'working' } : undefined })} data-testid="deadline-toggle" />
        {t('editor.deadline.has')}
      </label>
      {state.deadline && <PeriodField legend={t('editor.deadline.period')} value={state.deadline} onChange={(deadline) => set({ deadline })} />}
    </fieldset>
  );
}

function defaultForm(id: string): FormConfig {
  return {
    schema: {
      type: 'object',
      required: ['subject'],
      properties: { subject: { type: 'string', title: '事项名称', 'x-en': { title: 'Subject' }, minLength: 1, maxLength: 100 } },
    },
    saveTo: `/${id}`,
  };
}

function TaskPart({ id, state }: { id: string; state: StateConfig }) {
  const { t } = useI18n();
  const store = useEditorStore();
  const doc = useDoc();
  const pointers = dataPointers(doc.data);
  /** Adding a form declares its saveTo and its fields in the data schema too, as one edit. */
  const addForm = () => {
    const form = defaultForm(id);
    let next = doc;
    const props = (doc.data?.properties ?? {}) as Record<string, unknown>;
    if (!Object.hasOwn(props, id)) next = setFlowProps(next, { data: { ...doc.data, properties: { ...props, [id]: { type: 'object' } } } });
    store.trigger.replaceDoc({ doc: setForm(next, id, form) });
  };
  return (
    <fieldset className="ed-group ed-form-part">
      <legend>{t('editor.form.title')}</legend>
      {state.form ? (
        <>
          <div className="ed-form-designer">
            <FormDesigner form={state.form} dataPointers={pointers} onChange={(form) => store.trigger.setForm({ id, form })} />
          </div>
          <details className="ed-json" data-testid="form-json-details">
            <summary>{t('editor.form.json')}</summary>
            <JsonField
              label={t('editor.form.jsonLabel')}
              value={state.form}
              rows={12}
              testId="form-json"
              check={(v) => (!v || typeof v !== 'object' || Array.isArray(v) || !('schema' in v) || !('saveTo' in v) ? t('editor.form.jsonProblem') : null)}
              onChange={(v, c) => store.trigger.setForm({ id, form: v as FormConfig, coalesce: c })}
            />
          </details>
          <button type="button" className="secondary" onClick={() => store.trigger.setStateProps({ id, patch: { form: undefined } })}>
            {t('editor.form.remove')}
          </button>
        </>
      ) : (
        <>
          <p className="ed-hint">{t('editor.form.none')}</p>
          <button type="button" className="secondary" onClick={addForm} data-testid="add-form">
            {t('editor.form.add')}
          </button>
        </>
      )}
    </fieldset>
  );
}

function VotePart({ id, state }: { id: string; state: StateConfig }) {
  const { t, text } = useI18n();
  const store = useEditorStore();
  const doc = useDoc();
  const vote = state.vote!;
  const setVote = (patch: Partial<NonNullable<StateConfig['vote']>>, coalesce?: string) => {
    const next = { ...vote, ...patch };
    for (const k of Object.keys(next) as (keyof typeof next)[]) if (next[k] === undefined) delete next[k];
    store.trigger.setStateProps({ id, patch: { vote: next }, ...(coalesce ? { coalesce } : {}) });
  };
  return (
    <fieldset className="ed-group" data-testid="vote-part">
      <legend>{t('editor.vote.title')}</legend>
      <BilingualField label={t('editor.vote.body')} value={vote.body} onChange={(v, c) => setVote({ body: v! }, c)} />
      <label>
        {t('editor.vote.electorate')}
        <select value={vote.electorate} onChange={(e) => setVote({ electorate: e.target.value })} data-testid="vote-electorate">
          {!Object.hasOwn(doc.roles ?? {}, vote.electorate) && <option value={vote.electorate}>{vote.electorate}</option>}
          {Object.entries(doc.roles ?? {}).map(([r, label]) => (
            <option key={r} value={r}>
              {text(label)} ({r})
            </option>
          ))}
        </select>
      </label>
      <fieldset className="ed-inline">
        <legend>{t('editor.vote.mode')}</legend>
        {(['record', 'ballot'] as const).map((m) => (
          <label key={m} className="ed-check">
            <input type="radio" name={`mode-${id}`} checked={vote.mode === m} onChange={() => setVote({ mode: m, ...(m === 'record' ? { secret: undefined } : {}) })} />
            {t(`editor.vote.modes.${m}`)}
          </label>
        ))}
      </fieldset>
      {vote.mode === 'ballot' && (
        <>
          <label className="ed-check">
            <input type="checkbox" checked={!!vote.secret} onChange={(e) => setVote({ secret: e.target.checked || undefined })} aria-describedby={`secret-hint-${id}`} data-testid="vote-secret" />
            {t('editor.vote.secret')}
          </label>
          <p className="ed-hint" id={`secret-hint-${id}`}>
            {t('editor.vote.secretHint')}
          </p>
        </>
      )}
      <label className="ed-check">
        <input type="checkbox" checked={!!vote.quorum} onChange={(e) => setVote({ quorum: e.target.checked ? { of: 'all', op: '>=', ratio: '2/3' } : undefined })} data-testid="quorum-toggle" />
        {t('editor.vote.hasQuorum')}
      </label>
      {vote.quorum && <RuleField legend={t('editor.vote.quorum')} value={vote.quorum} quorum onChange={(quorum) => setVote({ quorum })} testId="vote-quorum" />}
      <RuleField legend={t('editor.vote.pass')} value={vote.pass} onChange={(pass) => setVote({ pass })} testId="vote-pass" />
      <BilingualField label={t('editor.vote.basis')} value={vote.basis} optional multiline onChange={(v, c) => setVote({ basis: v }, c)} />
      <TextField label={t('editor.vote.saveTo')} value={vote.saveTo ?? ''} mono onChange={(v, c) => setVote({ saveTo: v || undefined }, c)} hint={t('editor.saveToHint')} />
    </fieldset>
  );
}

function DisclosurePart({ id, state }: { id: string; state: StateConfig }) {
  const { t } = useI18n();
  const store = useEditorStore();
  const doc = useDoc();
  const d = state.disclosure!;
  const set = (patch: Partial<NonNullable<StateConfig['disclosure']>>, coalesce?: string) => store.trigger.setStateProps({ id, patch: { disclosure: { ...d, ...patch } }, ...(coalesce ? { coalesce } : {}) });
  const listId = `ed-pointers-${id}`;
  return (
    <fieldset className="ed-group" data-testid="disclosure-part">
      <legend>{t('editor.disclosure.title')}</legend>
      <fieldset className="ed-list">
        <legend>{t('editor.disclosure.publish')}</legend>
        <datalist id={listId}>
          {dataPointers(doc.data).map((p) => (
            <option key={p} value={p} />
          ))}
        </datalist>
        {d.publish.map((p, i) => (
          <div className="ed-row" key={i}>
            <input type="text" className="ed-mono" list={listId} value={p} aria-label={t('editor.disclosure.pointer', { n: i + 1 })} onChange={(e) => set({ publish: d.publish.map((x, j) => (j === i ? e.target.value : x)) }, `publish#${id}#${i}`)} />
            <button type="button" className="secondary" disabled={d.publish.length <= 1} onClick={() => set({ publish: d.publish.filter((_, j) => j !== i) })} aria-label={t('editor.remove')}>
              ✕
            </button>
          </div>
        ))}
        <button type="button" className="secondary" onClick={() => set({ publish: [...d.publish, '/'] })}>
          {t('editor.disclosure.add')}
        </button>
      </fieldset>
      <PeriodField legend={t('editor.disclosure.period')} value={d.period} onChange={(period) => set({ period })} testId="disclosure-period" />
    </fieldset>
  );
}

function calendarOf(after: NonNullable<StateConfig['after']>[string] | undefined): string | undefined {
  return typeof after === 'object' ? after.calendar : undefined;
}

/** The state's transitions, each a button selecting it, and a form to add one (the keyboard way to connect). */
function TransitionList({ id }: { id: string }) {
  const { t, text } = useI18n();
  const store = useEditorStore();
  const doc = useDoc();
  const list = transitionsOf(doc, id);
  const [event, setEvent] = useState(() => suggestEvent(doc, id));
  const [target, setTarget] = useState('');
  const valid = EVENT_NAME.test(event) && event !== 'after';
  return (
    <fieldset className="ed-group" data-testid="transition-list">
      <legend>{t('editor.transitions.title')}</legend>
      {list.length === 0 ? (
        <p className="ed-hint">{t('editor.transitions.none')}</p>
      ) : (
        <ul className="ed-translist">
          {list.map(({ ref, t: tr }) => (
            <li key={`${ref.event}:${ref.index}:${ref.duration ?? ''}`}>
              <button type="button" className="secondary ed-linkish" onClick={() => store.trigger.select({ selection: { kind: 'transition', ref } })}>
                {ref.event === 'after' ? t('diagram.after', { duration: durationWords(t, ref.duration!, calendarOf(doc.states[id]!.after?.[ref.duration!])) }) : eventWords(t, ref.event)} → {tr.target ? text(doc.states[tr.target]?.title) || tr.target : t('editor.transitions.stay')}
                {tr.guard ? ` (${t('editor.transitions.guarded')})` : ''}
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="ed-row ed-add-transition">
        <EventInput kind={doc.states[id]!.kind} value={event} onChange={setEvent} testId="new-transition-event" />
        <label>
          {t('editor.transition.target')}
          <select value={target} onChange={(e) => setTarget(e.target.value)} data-testid="new-transition-target">
            <option value="">{t('editor.transitions.stay')}</option>
            {Object.entries(doc.states).map(([sid, s]) => (
              <option key={sid} value={sid}>
                {text(s.title) || sid}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="secondary"
          disabled={!valid}
          data-testid="add-transition"
          onClick={() => {
            store.trigger.addTransition({ source: id, event, t: target ? { target } : {}, select: false });
            setEvent(suggestEvent(store.getSnapshot().context.doc, id));
          }}
        >
          {t('editor.transitions.add')}
        </button>
      </div>
      <TimerAdder id={id} />
    </fieldset>
  );
}

/** Adds a timer (`after`) transition: how long, counted in which days, and where to go then. */
function TimerAdder({ id }: { id: string }) {
  const { t, text } = useI18n();
  const store = useEditorStore();
  const doc = useDoc();
  const [period, setPeriod] = useState<Period>({ duration: 'P7D', calendar: 'natural' });
  const [target, setTarget] = useState('');
  const timer: NewTimer = { duration: period.duration, calendar: period.calendar ?? 'natural', target };
  const problem = timerProblem(doc, id, timer);
  return (
    <fieldset className="ed-group ed-add-timer" data-testid="timer-adder">
      <legend>{t('editor.timers.title')}</legend>
      <p className="ed-hint">{t('editor.timers.hint')}</p>
      <PeriodField legend={t('editor.timers.period')} value={period} onChange={setPeriod} testId="new-timer" />
      <label>
        {t('editor.timers.target')}
        <select value={target} onChange={(e) => setTarget(e.target.value)} data-testid="new-timer-target">
          <option value="">{t('editor.timers.pick')}</option>
          {Object.entries(doc.states)
            .filter(([sid]) => sid !== id)
            .map(([sid, s]) => (
              <option key={sid} value={sid}>
                {text(s.title) || sid}
              </option>
            ))}
        </select>
      </label>
      {/* Not choosing a step yet is no error to shout about: the button waits. */}
      {problem && problem !== 'noTarget' && (
        <div className="ed-problem" role="alert" data-testid="new-timer-problem">
          {t(`editor.timers.problems.${problem}`)}
        </div>
      )}
      <button
        type="button"
        className="secondary"
        disabled={!!problem}
        data-testid="add-timer"
        onClick={() => {
          store.trigger.addTimer({ source: id, timer });
          setTarget('');
        }}
      >
        {t('editor.timers.add')}
      </button>
    </fieldset>
  );
}

/** An event: the ones this kind of step takes, or a custom UPPER_SNAKE_CASE name. */
export function EventInput({ kind, value, onChange, testId, autoFocus }: { kind: StateKind; value: string; onChange: (v: string) => void; testId?: string; autoFocus?: boolean }) {
  const { t } = useI18n();
  const known = KIND_EVENTS[kind] ?? [];
  const custom = !known.includes(value);
  return (
    <div className="ed-row ed-event">
      <label>
        {t('editor.transition.event')}
        <select value={custom ? '' : value} onChange={(e) => onChange(e.target.value || 'NEXT')} data-testid={testId} autoFocus={autoFocus}>
          {known.map((e) => (
            <option key={e} value={e}>
              {eventWords(t, e)} ({e})
            </option>
          ))}
          <option value="">{t('editor.transition.custom')}</option>
        </select>
      </label>
      {custom && (
        <label>
          {t('editor.transition.customName')}
          <input type="text" className="ed-mono" value={value} onChange={(e) => onChange(e.target.value.toUpperCase())} aria-invalid={EVENT_NAME.test(value) ? undefined : true} data-testid={testId ? `${testId}-custom` : undefined} />
        </label>
      )}
    </div>
  );
}

// ---- transition ---------------------------------------------------------------------------

function TransitionInspector({ r }: { r: TransitionRef }) {
  const { t, text } = useI18n();
  const store = useEditorStore();
  const doc = useDoc();
  const tr = getTransition(doc, r);
  const source = doc.states[r.source];
  const [guard, setGuard] = useState(tr?.guard ?? '');
  // Follow the flow (undo, redo) unless what is typed here does not check yet.
  const stored = tr?.guard ?? '';
  useEffect(() => {
    if (stored !== guard && (!guard.trim() || !guardProblem(guard))) setGuard(stored);
  }, [stored]);
  if (!tr || !source) return null;
  const set = (patch: Partial<TransitionObject> & { event?: string }, coalesce?: string) => store.trigger.setTransition({ ref: r, patch, ...(coalesce ? { coalesce } : {}) });
  const timer = r.event === 'after';
  const found = guard.trim() ? guardProblem(guard) : null;
  const problem = found && issueWords(found, t);
  const pointer = timer ? `/states/${r.source}/after/${r.duration}` : `/states/${r.source}/on/${r.event}`;
  return (
    <section className="ed-inspector" aria-label={t('editor.inspector.transition')} data-testid="inspector-transition">
      <h2>
        {text(source.title) || r.source} → {tr.target ? text(doc.states[tr.target]?.title) || tr.target : t('editor.transitions.stay')}
      </h2>
      <LegalNotes prefix={pointer} />
      {timer ? (
        <p>
          {t('editor.transition.timer')} {durationWords(t, r.duration!, calendarOf(source.after?.[r.duration!]))} <code className="ed-code">{r.duration}</code>
        </p>
      ) : (
        <EventInput kind={source.kind} value={r.event} onChange={(event) => EVENT_NAME.test(event) && set({ event })} testId="transition-event" />
      )}
      <label>
        {t('editor.transition.target')}
        <select value={tr.target ?? ''} onChange={(e) => set({ target: e.target.value || undefined })} data-testid="transition-target">
          {!timer && <option value="">{t('editor.transitions.stay')}</option>}
          {Object.entries(doc.states).map(([sid, s]) => (
            <option key={sid} value={sid}>
              {text(s.title) || sid}
            </option>
          ))}
        </select>
      </label>
      {!timer && (
        <RoleChecks legend={t('editor.transition.roles')} hint={t('editor.transition.rolesHint')} roles={doc.roles ?? {}} value={tr.roles ?? []} onChange={(roles) => set({ roles })} />
      )}
      <TextField
        label={t('editor.transition.guard')}
        value={guard}
        mono
        multiline
        testId="transition-guard"
        placeholder='data.proposal.budget >= 50000.0'
        problem={problem}
        hint={t('editor.transition.guardHint')}
        onChange={(v, c) => {
          setGuard(v);
          // Only a guard that checks goes into the flow; while it does not, the problem shows here.
          if (!v.trim()) set({ guard: undefined }, c);
          else if (!guardProblem(v)) set({ guard: v }, c);
        }}
      />
      {!timer && <BilingualField label={t('editor.transition.description')} value={tr.description} optional onChange={(v, c) => set({ description: v }, c)} />}
      <div className="buttons">
        <button type="button" className="secondary" onClick={() => store.trigger.select({ selection: { kind: 'state', id: r.source } })}>
          {t('editor.transition.backToState')}
        </button>
        <button type="button" className="danger" onClick={() => store.trigger.deleteTransition({ ref: r })} data-testid="delete-transition">
          {t('editor.transition.delete')}
        </button>
      </div>
    </section>
  );
}

// ---- flow ---------------------------------------------------------------------------------

function FlowInspector() {
  const { t, text } = useI18n();
  const store = useEditorStore();
  const doc = useDoc();
  const setMeta = (patch: Parameters<typeof store.trigger.setFlowProps>[0]['patch'], coalesce?: string) => store.trigger.setFlowProps({ patch, ...(coalesce ? { coalesce } : {}) });
  return (
    <section className="ed-inspector" aria-label={t('editor.inspector.flow')} data-testid="inspector-flow">
      <h2>{t('editor.flow.title')}</h2>
      <p className="ed-hint">{t('editor.flow.hint')}</p>
      <LegalNotes prefix="/initial" />
      <TextField label={t('editor.flow.id')} value={doc.id ?? ''} mono onChange={(v, c) => setMeta({ id: v }, c)} testId="flow-id" problem={/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(doc.id ?? '') ? null : t('editor.flow.idProblem')} />
      <TextField label={t('editor.flow.version')} value={doc.version ?? ''} mono onChange={(v, c) => setMeta({ version: v }, c)} testId="flow-version" problem={/^\d+\.\d+\.\d+$/.test(doc.version ?? '') ? null : t('editor.flow.versionProblem')} />
      <BilingualField label={t('editor.flow.name')} value={doc.title} onChange={(v, c) => setMeta({ title: v }, c)} testId="flow-title" />
      <BilingualField label={t('editor.flow.description')} value={doc.description} optional multiline onChange={(v, c) => setMeta({ description: v }, c)} />
      <label>
        {t('editor.flow.initial')}
        <select value={doc.initial} onChange={(e) => setMeta({ initial: e.target.value })}>
          {!Object.hasOwn(doc.states, doc.initial) && <option value={doc.initial}>{doc.initial}</option>}
          {Object.entries(doc.states).map(([sid, s]) => (
            <option key={sid} value={sid}>
              {text(s.title) || sid}
            </option>
          ))}
        </select>
      </label>
      <RoleChecks legend={t('editor.flow.starters')} roles={doc.roles ?? {}} value={doc.starters ?? []} onChange={(starters) => setMeta({ starters })} />
      <ReadersField doc={doc} onChange={(readers) => setMeta({ readers })} />
      <SubjectField doc={doc} onChange={(subject) => setMeta({ subject })} />
      <RolesEditor />
      <details className="ed-json">
        <summary>{t('editor.flow.data')}</summary>
        <JsonField
          label={t('editor.flow.dataLabel')}
          value={doc.data}
          rows={14}
          check={(v) => (!v || typeof v !== 'object' || (v as { type?: unknown }).type !== 'object' ? t('editor.flow.dataProblem') : null)}
          onChange={(v, c) => setMeta({ data: v as Flow['data'] }, c)}
        />
      </details>
    </section>
  );
}

/**
 * Who reads every matter of the flow (see engine/readers.ts): the step holders always, named here;
 * then either every other role acting in the flow (no `readers`) or only the roles ticked.
 */
function ReadersField({ doc, onChange }: { doc: Flow; onChange: (readers: string[] | undefined) => void }) {
  const { t, text } = useI18n();
  const roles = doc.roles ?? {};
  const holders = stepHolders(doc);
  const others = Object.fromEntries(Object.entries(roles).filter(([r]) => !holders.includes(r)));
  const named = holders.map((r) => (roles[r] ? text(roles[r]) : r)).join('、') || t('editor.flow.readersNone');
  return (
    <fieldset className="ed-group" data-testid="flow-readers">
      <legend>{t('editor.flow.readers')}</legend>
      <p className="ed-hint">{t('editor.flow.readersHint', { holders: named })}</p>
      <label className="ed-check">
        <input type="checkbox" checked={doc.readers === undefined} onChange={(e) => onChange(e.target.checked ? undefined : [])} />
        <span>{t('editor.flow.readersDefault')}</span>
      </label>
      {doc.readers !== undefined && <RoleChecks legend={t('editor.flow.readersOwn')} roles={others} value={doc.readers} onChange={onChange} />}
    </fieldset>
  );
}

/**
 * Who a matter is about (the flow's `subject`, docs/flow-language.md): the data field holding the
 * login name of their account; that person reads the matter and sees their own personal values.
 */
function SubjectField({ doc, onChange }: { doc: Flow; onChange: (subject: string | undefined) => void }) {
  const { t, text } = useI18n();
  const options = subjectCandidates(doc);
  const name = (pointer: string) => {
    const label = labelAt(doc, pointer);
    return label ? text(label) : pointer;
  };
  return (
    <label data-testid="flow-subject">
      {t('editor.flow.subject')}
      <select value={doc.subject ?? ''} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">{t('editor.flow.subjectNone')}</option>
        {doc.subject !== undefined && !options.includes(doc.subject) && <option value={doc.subject}>{doc.subject}</option>}
        {options.map((p) => (
          <option key={p} value={p}>
            {name(p)}
          </option>
        ))}
      </select>
      <span className="ed-hint">{t('editor.flow.subjectHint')}</span>
    </label>
  );
}

/** The flow's roles: id and bilingual label; renaming an id renames it everywhere. */
function RolesEditor() {
  const { t, role } = useI18n();
  const store = useEditorStore();
  const doc = useDoc();
  const roles = doc.roles ?? {};
  // The township's roles, offered as the new role's id: a flow that uses them publishes without adding any.
  const catalogue = useRoleCatalogue().data ?? [];
  const [fresh, setFresh] = useState('');
  const checkNew = (v: string) => (!SNAKE.test(v) ? t('editor.roles.idProblem') : Object.hasOwn(roles, v) ? t('editor.roles.idTaken') : null);
  const setLabel = (id: string, label: Text, c: string) => store.trigger.setRole({ id, label, coalesce: c });
  return (
    <fieldset className="ed-group" data-testid="roles-editor">
      <legend>{t('editor.roles.title')}</legend>
      {Object.entries(roles).map(([id, label]) => (
        <div key={id} className="ed-role">
          <CommitField label={t('editor.roles.id')} value={id} check={checkNew} onCommit={(to) => store.trigger.renameRole({ from: id, to })} />
          <TextField label={t('editor.field.zh')} value={label.zh} onChange={(zh, c) => setLabel(id, label.en ? { zh, en: label.en } : { zh }, c)} />
          <TextField label={t('editor.field.en')} value={label.en ?? ''} onChange={(en, c) => setLabel(id, en ? { zh: label.zh, en } : { zh: label.zh }, c)} />
          <button type="button" className="danger" onClick={() => store.trigger.deleteRole({ id })}>
            {t('editor.roles.delete')}
          </button>
        </div>
      ))}
      <div className="ed-row">
        <label>
          {t('editor.roles.new')}
          <input type="text" className="ed-mono" list="ed-catalogue-roles" value={fresh} onChange={(e) => setFresh(e.target.value)} aria-invalid={fresh && checkNew(fresh) ? true : undefined} />
        </label>
        <datalist id="ed-catalogue-roles">
          {catalogue
            .filter((r) => !Object.hasOwn(roles, r.key))
            .map((r) => (
              <option key={r.key} value={r.key}>
                {role(r.key)}
              </option>
            ))}
        </datalist>
        <button
          type="button"
          className="secondary"
          disabled={!fresh || !!checkNew(fresh)}
          onClick={() => {
            // A role of the township's catalogue starts with its labels there; a new one with its id.
            const known = catalogue.find((r) => r.key === fresh);
            store.trigger.setRole({ id: fresh, label: known ? { ...known.label } : { zh: fresh } });
            setFresh('');
          }}
        >
          {t('editor.roles.add')}
        </button>
      </div>
      {fresh && checkNew(fresh) && <div className="ed-problem">{checkNew(fresh)}</div>}
    </fieldset>
  );
}
