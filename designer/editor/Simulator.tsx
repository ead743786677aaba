// Simulating a draft flow in the browser with the same engine: start as a starter, act at each step
// in a role that may (fill the form, record the meeting or cast ballots, review, object), move the
// clock to let timers fall due (delivered as the system), and keep the run as a golden test case.
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { type Flow, type FlowEvent, baselineCalendar, type CompiledFlow } from '../../engine/index.ts';
import { useI18n } from '../i18n/index.tsx';
import { formatTime } from '../app/ui.tsx';
import { Ballot } from '../runner/Ballot.tsx';
import { MeetingRecord } from '../runner/MeetingRecord.tsx';
import { ReasonAction } from '../runner/ReasonAction.tsx';
import { SendError } from '../runner/SendError.tsx';
import { fieldErrorsIn, formLabels } from '../app/refusals.ts';
import type { Sender } from '../runner/useSend.ts';
import { useLabelers } from '../audit/labelers.ts';
import { ValueView } from '../audit/Values.tsx';
import { FormView } from '../forms/FormView.tsx';
import {
  act,
  actingRoles,
  activeTimers,
  addDays,
  compileDraft,
  countsWorkingDays,
  defaultStart,
  deliverDue,
  dueTimers,
  EMPTY_RUN,
  errorInfoOf,
  eventsFor,
  fromLocalInput,
  goldenRun,
  nextDueTimer,
  runFileName,
  simActor,
  snapshotOf,
  startRun,
  SYSTEM,
  toLocalInput,
  undo,
  visitedStates,
  type SimErrorInfo,
  type SimRun,
} from './simulation.ts';
import { ProvisionalNote } from '../calendar/DueNotes.tsx';
import { provisionalYearsBetween } from '../calendar/useWorkCalendar.ts';

export interface SimulatorProps {
  flow: Flow;
  /** The states the simulated instance has been through, in order, for the canvas to mark. */
  onPath?: (states: string[]) => void;
  /** A finished simulation as a golden run: { flow: `<id>.flow.json`, events, expect }. */
  onSaveRun?: (run: { flow: string; events: FlowEvent[]; expect: { final: string; hashes: string[] } }) => void;
}

const HOUR_MS = 3600_000;

export function Simulator({ flow, onPath, onSaveRun }: SimulatorProps) {
  const { t } = useI18n();
  const id = useId();
  const compiled = useMemo(() => compileDraft(flow), [flow]);
  // What was simulated survives a moment when the draft does not validate.
  const kept = useRef<Kept>({ events: [], clock: null });
  return (
    <section className="fd2-sim" aria-labelledby={`${id}-title`} data-testid="simulator">
      <h2 id={`${id}-title`}>{t('formDesigner.sim.title')}</h2>
      {compiled.ok ? (
        <Simulation compiled={compiled.compiled} flow={flow} kept={kept.current} onPath={onPath} onSaveRun={onSaveRun} />
      ) : (
        <div role="alert" className="error-box" data-testid="sim-issues">
          <p>{t('formDesigner.sim.invalid', { n: compiled.issues.length })}</p>
          <ul className="fd2-issue-list">
            {compiled.issues.slice(0, 50).map((i, n) => (
              <li key={n}>
                <code>{i.pointer || '/'}</code> {i.message}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

/** Replays the events on a (changed) flow as far as they still go. */
function replayOn(compiled: CompiledFlow, events: FlowEvent[]): { run: SimRun; dropped: number } {
  let run = EMPTY_RUN;
  for (let i = 0; i < events.length; i++) {
    try {
      run = act(compiled, run, events[i]!);
    } catch {
      return { run, dropped: events.length - i };
    }
  }
  return { run, dropped: 0 };
}

interface Kept {
  events: FlowEvent[];
  clock: string | null;
}

function Simulation({ compiled, flow, kept, onPath, onSaveRun }: { compiled: CompiledFlow; flow: Flow; kept: Kept; onPath?: SimulatorProps['onPath']; onSaveRun?: SimulatorProps['onSaveRun'] }) {
  const { t, text, lang } = useI18n();
  const id = useId();
  const [run, setRun] = useState<SimRun>(() => replayOn(compiled, kept.events).run);
  const runRef = useRef(run);
  runRef.current = run;
  const pathTo = useRef(onPath);
  pathTo.current = onPath;
  const [clock, setClock] = useState(() => kept.clock ?? defaultStart(Date.now()));
  const [starter, setStarter] = useState(flow.starters[0] ?? '');
  const [role, setRole] = useState('');
  const [voter, setVoter] = useState(1);
  const [error, setError] = useState<SimErrorInfo | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [caseName, setCaseName] = useState('');
  const [download, setDownload] = useState<{ url: string; name: string } | null>(null);
  const runFlow = useRef(compiled);
  const labelers = useLabelers(flow);
  // The simulation counts on the built-in calendar (simulation.ts): later years are provisional there.
  const provisionalYears = (from: string, to: string) => provisionalYearsBetween(baselineCalendar(), from, to);

  // The flow was edited: carry the run over as far as its events still hold.
  useEffect(() => {
    if (runFlow.current === compiled) return;
    runFlow.current = compiled;
    const old = runRef.current;
    if (!old.events.length) return;
    const { run: next, dropped } = replayOn(compiled, old.events);
    setRun(next);
    setError(null);
    setNotice(dropped ? t('formDesigner.sim.replayedCut', { n: dropped }) : t('formDesigner.sim.replayed'));
  }, [compiled, t]);
  // Only a new run is news for the canvas (a new onPath function each render is not).
  useEffect(() => {
    kept.events = run.events;
    pathTo.current?.(visitedStates(run));
  }, [run, kept]);
  useEffect(() => {
    kept.clock = clock;
  }, [clock, kept]);
  useEffect(() => () => {
    if (download) URL.revokeObjectURL(download.url);
  }, [download]);

  const snap = snapshotOf(run);
  const roles = actingRoles(compiled, snap, clock);
  const acting = roles.includes(role) ? role : (roles[0] ?? '');
  const state = snap ? compiled.states.get(snap.state)! : null;
  const config = state?.config;
  const ballot = config?.vote?.mode === 'ballot' && config.vote.electorate === acting;
  const actor = simActor(acting, ballot ? voter : undefined);
  const events = eventsFor(compiled, snap, acting);
  const roleName = (r: string) => (r === SYSTEM ? t('formDesigner.sim.system') : text(flow.roles[r]) || r);
  const stateName = (s: string) => text(flow.states[s]?.title) || s;

  const commit = (next: SimRun, message: string | null = null) => {
    setRun(next);
    setError(null);
    setNotice(message);
    setDownload(null);
  };
  const sender: Sender = {
    busy: false,
    error,
    clearError: () => setError(null),
    send: async (type, payload = {}) => {
      try {
        commit(act(compiled, run, { type, actor, at: clock, payload }));
        return true;
      } catch (err) {
        setError(errorInfoOf(err));
        return false;
      }
    },
  };

  const advanceTo = (to: string) => {
    const target = Date.parse(to) < Date.parse(clock) ? clock : to;
    setClock(target);
    if (!snap) return;
    const d = deliverDue(compiled, run, target);
    const parts: string[] = [t('formDesigner.sim.clockMoved', { time: formatTime(target) })];
    if (d.delivered.length) parts.push(t('formDesigner.sim.delivered', { n: d.delivered.length, timers: d.delivered.map((x) => x.id).join('、') }));
    for (const r of d.refused) parts.push(t('formDesigner.sim.timerRefused', { timer: r.timer.id, message: r.error.message }));
    commit(d.run, parts.join(' '));
  };

  const start = () => {
    try {
      commit(startRun(compiled, starter, clock), t('formDesigner.sim.started', { role: roleName(starter) }));
    } catch (err) {
      setError(errorInfoOf(err));
    }
  };
  const save = () => {
    const golden = goldenRun(flow, run);
    onSaveRun?.(golden);
    const blob = new Blob([JSON.stringify(golden, null, 2) + '\n'], { type: 'application/json' });
    setDownload({ url: URL.createObjectURL(blob), name: runFileName(flow.id, caseName) });
    setNotice(t('formDesigner.sim.saved', { n: golden.events.length }));
  };

  const next = nextDueTimer(snap);
  const due = dueTimers(snap, clock);

  if (!snap) {
    return (
      <div className="fd2-sim-start panel">
        <div className="inline-form">
          <label htmlFor={`${id}-starter`}>
            {t('formDesigner.sim.starter')}
            <select id={`${id}-starter`} value={starter} onChange={(e) => setStarter(e.target.value)}>
              {flow.starters.map((r) => (
                <option key={r} value={r}>
                  {roleName(r)}
                </option>
              ))}
            </select>
          </label>
          <label htmlFor={`${id}-start-at`}>
            {t('formDesigner.sim.startAt')}
            <input id={`${id}-start-at`} type="datetime-local" value={toLocalInput(clock)} onChange={(e) => { const v = fromLocalInput(e.target.value); if (v) setClock(v); }} />
          </label>
          <button type="button" onClick={start} data-testid="sim-start">
            {t('formDesigner.sim.start')}
          </button>
        </div>
        <p className="muted fd2-hint">{t('formDesigner.sim.startHint')}</p>
        <SendError error={error} />
      </div>
    );
  }

  const kind = config!.kind;
  const reviewEvents = events.filter((e) => ['APPROVE', 'RETURN', 'REJECT'].includes(e));
  const otherEvents = events.filter((e) => !['SUBMIT', 'APPROVE', 'RETURN', 'REJECT', 'OBJECT', 'RECORD_VOTE', 'CAST_BALLOT', 'CLOSE_VOTE'].includes(e));
  const stepKey = `${snap.seq}:${acting}:${actor.id}`;

  return (
    <div className="fd2-sim-body">
      <div className="fd2-sim-status panel" data-testid="sim-status" data-state={snap.state} data-status={snap.status}>
        <p className="fd2-sim-now">
          <strong>{t('formDesigner.sim.current')}</strong> {stateName(snap.state)} <span className="badge">{t(`runner.kinds.${kind}`)}</span>
          {snap.status === 'done' && (
            <span className="badge ok" data-testid="sim-outcome">
              {t(`runner.outcomes.${snap.outcome}`)}
            </span>
          )}
          {snap.state in snap.context.overdue && <span className="badge danger">{t('runner.overdue')}</span>}
        </p>
        <p>
          <strong>{t('formDesigner.sim.clock')}</strong> <time dateTime={clock}>{formatTime(clock)}</time>
        </p>
        <div className="buttons" role="group" aria-label={t('formDesigner.sim.advance')}>
          <button type="button" className="secondary" onClick={() => advanceTo(new Date(Date.parse(clock) + HOUR_MS).toISOString())}>
            {t('formDesigner.sim.plusHour')}
          </button>
          <button type="button" className="secondary" onClick={() => advanceTo(addDays(clock, 1))} data-testid="sim-plus-day">
            {t('formDesigner.sim.plusDay')}
          </button>
          <button type="button" className="secondary" onClick={() => advanceTo(addDays(clock, 7))}>
            {t('formDesigner.sim.plusWeek')}
          </button>
          <button type="button" className="secondary" disabled={!next} onClick={() => next && advanceTo(next.due)} data-testid="sim-next-timer">
            {next ? t('formDesigner.sim.toNext', { time: formatTime(next.due) }) : t('formDesigner.sim.noTimer')}
          </button>
        </div>
        {activeTimers(snap).length > 0 && (
          <ul className="fd2-timers" aria-label={t('formDesigner.sim.timers')}>
            {activeTimers(snap).map((x) => (
              <li key={x.id}>
                {t(`formDesigner.sim.timerKinds.${x.id.split(':')[1] ?? 'after'}`)} <code>{x.id}</code> · {t('formDesigner.sim.dueAt', { time: formatTime(x.due) })}
                {due.some((d) => d.id === x.id) && <span className="badge danger">{t('formDesigner.sim.dueNow')}</span>}
                {countsWorkingDays(compiled, x.id) && <ProvisionalNote years={provisionalYears(snap.context.enteredAt, x.due)} words="calendar.provisionalSimulation" />}
              </li>
            ))}
          </ul>
        )}
        {notice && (
          <p role="status" className="fd2-notice">
            {notice}
          </p>
        )}
      </div>

      {snap.status === 'active' && (
        <div className="fd2-sim-act panel">
          <h3>{t('formDesigner.sim.act')}</h3>
          {roles.length === 0 ? (
            <p>{t('formDesigner.sim.nobody')}</p>
          ) : (
            <div className="inline-form">
              <label htmlFor={`${id}-role`}>
                {t('formDesigner.sim.role')}
                <select id={`${id}-role`} value={acting} onChange={(e) => (setRole(e.target.value), setError(null))} data-testid="sim-role">
                  {roles.map((r) => (
                    <option key={r} value={r}>
                      {roleName(r)}
                    </option>
                  ))}
                </select>
              </label>
              {ballot && (
                <label htmlFor={`${id}-voter`}>
                  {t('formDesigner.sim.voter')}
                  <input id={`${id}-voter`} type="number" min={1} max={9999} step={1} value={voter} onChange={(e) => setVoter(Math.max(1, Math.floor(Number(e.target.value) || 1)))} />
                </label>
              )}
              <p className="muted fd2-hint">{t('formDesigner.sim.as', { id: actor.id })}</p>
            </div>
          )}
          <div className="fd2-sim-step" key={stepKey}>
            {acting === SYSTEM && (
              <div>
                <p>{t('formDesigner.sim.systemHint', { n: due.length })}</p>
                <button type="button" onClick={() => advanceTo(clock)}>
                  {t('formDesigner.sim.deliver')}
                </button>
              </div>
            )}
            {kind === 'task' && config!.form && events.includes('SUBMIT') && (
              <>
                <FormView form={config!.form} lang={lang} extraErrors={error ? fieldErrorsIn(lang, error.issues) : undefined} onSubmit={(data) => sender.send('SUBMIT', data)} />
                <SendError error={error} label={formLabels(config!.form.schema, lang)} />
              </>
            )}
            {kind === 'vote' && events.includes('RECORD_VOTE') && <MeetingRecord vote={config!.vote} sender={sender} />}
            {kind === 'vote' && (events.includes('CAST_BALLOT') || events.includes('CLOSE_VOTE')) && (
              <Ballot vote={config!.vote} events={events} ballots={{ cast: Object.keys(snap.context.ballots).length, mine: snap.context.ballots[actor.id] ?? null }} sender={sender} />
            )}
            {kind === 'review' && <ReasonAction events={reviewEvents} sender={sender} withOpinion />}
            {kind === 'disclosure' && snap.context.disclosure && (
              <div className="fd2-disclosed">
                <p>
                  <span className="badge">{t('runner.disclosed')}</span> {t('formDesigner.sim.disclosedUntil', { time: formatTime(snap.context.disclosure.until) })}
                </p>
                <ValueView value={snap.context.disclosure.items} pointer="" labeler={labelers.plain} />
              </div>
            )}
            {events.includes('OBJECT') && <ReasonAction events={['OBJECT']} sender={sender} contact />}
            <ReasonAction events={otherEvents} sender={sender} />
          </div>
        </div>
      )}

      <div className="fd2-sim-cols">
        <section className="panel" aria-labelledby={`${id}-history`}>
          <h3 id={`${id}-history`}>{t('formDesigner.sim.history')}</h3>
          <ol className="fd2-history" data-testid="sim-history">
            {run.steps.map(({ record }) => (
              <li key={record.seq} data-type={record.type}>
                <span className="fd2-history-head">
                  <span className="fd2-seq">{record.seq}</span> <time dateTime={record.at}>{formatTime(record.at)}</time> · {roleName(record.actor.role)}{' '}
                  <span className="muted">({record.actor.id})</span>
                </span>
                <span>
                  {eventName(t, record.type, record.payload)} → <strong>{stateName(record.state)}</strong>
                </span>
              </li>
            ))}
          </ol>
          <div className="buttons">
            <button type="button" className="secondary" onClick={() => commit(undo(run), t('formDesigner.sim.undone'))}>
              {t('formDesigner.sim.undo')}
            </button>
            <button type="button" className="danger" onClick={() => commit(EMPTY_RUN)}>
              {t('formDesigner.sim.restart')}
            </button>
          </div>
        </section>
        <details className="panel fd2-sim-data" data-testid="sim-data">
          <summary>
            <h3>{t('formDesigner.sim.data')}</h3>
          </summary>
          {Object.keys(snap.context.data).length ? <ValueView value={snap.context.data} pointer="" labeler={labelers.data} /> : <p className="muted">{t('common.none')}</p>}
        </details>
      </div>

      <section className="panel fd2-save" aria-labelledby={`${id}-save`}>
        <h3 id={`${id}-save`}>{t('formDesigner.sim.saveTitle')}</h3>
        <p className="muted fd2-hint">{t('formDesigner.sim.saveHint', { state: stateName(snap.state) })}</p>
        <div className="inline-form">
          <label htmlFor={`${id}-case`}>
            {t('formDesigner.sim.caseName')}
            <input id={`${id}-case`} value={caseName} placeholder="happy-path" spellCheck={false} onChange={(e) => setCaseName(e.target.value)} />
          </label>
          <button type="button" onClick={save} data-testid="sim-save">
            {t('formDesigner.sim.save')}
          </button>
          {download && (
            <a href={download.url} download={download.name} data-testid="sim-download">
              {t('formDesigner.sim.download', { name: download.name })}
            </a>
          )}
        </div>
      </section>
    </div>
  );
}

function eventName(t: (k: string, v?: Record<string, string | number>) => string, type: string, payload: Record<string, unknown>): string {
  if (type === 'TIMER') return t('formDesigner.sim.timerEvent', { timer: String(payload.timer ?? '') });
  const key = `runner.events.${type}`;
  const runner = t(key);
  if (runner !== key) return runner;
  const own = t(`formDesigner.sim.events.${type}`);
  return own === `formDesigner.sim.events.${type}` ? type : own;
}
