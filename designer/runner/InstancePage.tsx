// A step's page: where the matter stands in its flow, and what the user can do now: fill the
// step's form, record the meeting or cast a ballot, review, object to a disclosure.
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'wouter';
import { useI18n } from '../i18n/index.tsx';
import { type HistoryRecord, initialFormData } from '../../engine/index.ts';
import { api } from '../app/trpc.ts';
import { formatTime, Query } from '../app/ui.tsx';
import { Ballot } from './Ballot.tsx';
import { FlowProgress } from './FlowProgress.tsx';
import { MeetingRecord } from './MeetingRecord.tsx';
import type { RosterCounts } from './meetingParts.tsx';
import { ReasonAction } from './ReasonAction.tsx';
import { StepForm } from './StepForm.tsx';
import { useSend } from './useSend.ts';
import { useLabelers } from '../audit/labelers.ts';
import { ValueView } from '../audit/Values.tsx';
import { RevealScope } from '../audit/Personal.tsx';
import { withoutMasked } from '../audit/masked.ts';
import { ProvisionalNote, provisionalOf, RECALENDAR, RecalendarLines } from '../calendar/DueNotes.tsx';

export type InstanceView = Awaited<ReturnType<typeof api.instances.get.query>>;

export function InstancePage({ id }: { id: string }) {
  const q = useQuery({ queryKey: ['instance', id], queryFn: () => api.instances.get.query({ id }) });
  return <Query q={q}>{(view) => <InstanceView view={view} />}</Query>;
}

/** The roster the step's meeting is recorded against (rosters.ofMatter); a body without one says what to set up instead of a form. */
function WithRoster({ instanceId, seq, children }: { instanceId: string; seq: number; children: (roster: RosterCounts | undefined) => ReactNode }) {
  const q = useQuery({ queryKey: ['roster', instanceId, seq], queryFn: () => api.rosters.ofMatter.query({ instanceId }) });
  return <Query q={q}>{(roster) => <>{children(roster ?? undefined)}</>}</Query>;
}

function Ballots({ view, sender, roster }: { view: InstanceView; sender: ReturnType<typeof useSend>; roster?: RosterCounts }) {
  const { step } = view;
  const events = step.events;
  if (step.kind !== 'vote' || !(events.includes('CAST_BALLOT') || events.includes('CLOSE_VOTE') || step.ballots?.mine === 'sealed')) return null;
  return <Ballot vote={step.vote} events={events} ballots={step.ballots} sender={sender} roster={roster} />;
}

function InstanceView({ view }: { view: InstanceView }) {
  const { t, text, role } = useI18n();
  const { instance, step, flow } = view;
  const sender = useSend(instance.id, instance.seq);
  const visited = useQuery({ queryKey: ['history', instance.id, instance.seq], queryFn: () => api.audit.history.query({ id: instance.id }) });
  const events = step.events;
  const labelers = useLabelers(flow, view.names);
  return (
    <RevealScope instanceId={instance.id} canReveal={view.canReveal}>
    <article data-testid="instance" data-state={step.state} data-seq={instance.seq}>
      <header>
        <h1>{instance.title}</h1>
        <p className="muted">
          {view.village.name} · {text(flow.title)} · <Link href={`/audit/${instance.id}`}>{t('runner.audit')}</Link>
        </p>
      </header>
      <section aria-label={t('runner.progress')}>
        <FlowProgress flow={flow} current={step.state} visited={(visited.data ?? []).map((r) => r.state)} />
      </section>
      <section className="panel" aria-labelledby="step-title">
        <h2 id="step-title">
          {t('runner.currentStep', { step: text(step.title) })} <span className="badge">{t(`runner.kinds.${step.kind}`)}</span>
          {step.overdue && <span className="badge danger">{t('runner.overdue')}</span>}
        </h2>
        {step.description && <p>{text(step.description)}</p>}
        {step.due && (
          <p className="muted" data-testid="step-due">
            {t('runner.due', { time: formatTime(step.due) })}
          </p>
        )}
        {/* Any running timer (the deadline, a notice period, a timeout) counted on a provisional year. */}
        <ProvisionalNote years={[...new Set([step, ...view.timers].flatMap(provisionalOf))].sort()} />
        <Recalendars records={(visited.data ?? []).filter((r) => r.type === RECALENDAR)} flow={flow} />
        {instance.status === 'done' && (
          <p data-testid="outcome" className="outcome">
            {t('runner.outcome')}: {t(`runner.outcomes.${instance.outcome}`)}
          </p>
        )}
        {instance.status === 'active' && events.length === 0 && <p>{t('runner.notYourStep', { roles: step.roles.map(role).join('、') })}</p>}
        {step.kind === 'task' && step.form && events.includes('SUBMIT') && <StepForm key={`${instance.id}:${step.state}`} form={step.form} sender={sender} initial={titleAsSubject(initialFormData(step.form, withoutMasked(view.data)), step.form.schema, step.state === flow.initial && instance.title !== flow.title.zh ? instance.title : null)} />}
        {step.kind === 'vote' && (events.includes('RECORD_VOTE') || events.includes('CLOSE_VOTE')) ? (
          <WithRoster instanceId={instance.id} seq={instance.seq}>
            {(roster) => (
              <>
                {events.includes('RECORD_VOTE') && <MeetingRecord vote={step.vote} sender={sender} roster={roster} />}
                <Ballots view={view} sender={sender} roster={roster} />
              </>
            )}
          </WithRoster>
        ) : (
          <Ballots view={view} sender={sender} />
        )}
        {step.kind === 'review' && <ReasonAction events={events.filter((e) => ['APPROVE', 'RETURN', 'REJECT'].includes(e))} sender={sender} withOpinion />}
        {step.kind === 'disclosure' && <Disclosure view={view} />}
        {step.kind === 'disclosure' && <ReasonAction events={events.filter((e) => e === 'OBJECT')} sender={sender} contact />}
        <OtherActions events={events.filter((e) => !['SUBMIT', 'APPROVE', 'RETURN', 'REJECT', 'OBJECT', 'RECORD_VOTE', 'CAST_BALLOT', 'CLOSE_VOTE'].includes(e))} sender={sender} />
      </section>
      <section className="panel" aria-labelledby="data-title">
        <h2 id="data-title">{t('runner.data')}</h2>
        <ValueView value={view.data} pointer="" labeler={labelers.data} />
      </section>
    </article>
    </RevealScope>
  );
}

/** Due times recomputed when a year's holiday schedule was adopted, newest last. */
function Recalendars({ records, flow }: { records: HistoryRecord[]; flow: InstanceView['flow'] }) {
  const { t } = useI18n();
  if (records.length === 0) return null;
  return (
    <section className="recalendars" aria-labelledby="recalendar-title" data-testid="recalendars">
      <h3 id="recalendar-title">{t('calendar.recalendar.title')}</h3>
      {records.map((r) => (
        <div key={r.seq}>
          <span className="muted small">{formatTime(r.at)}</span>
          <RecalendarLines record={r} flow={flow} />
        </div>
      ))}
    </section>
  );
}

/** A flow's own events (withdrawing, escalating): set apart from the step's main action. */
function OtherActions({ events, sender }: { events: string[]; sender: ReturnType<typeof useSend> }) {
  const { t } = useI18n();
  if (events.length === 0) return null;
  return (
    <section className="other-actions" aria-labelledby="other-actions-title">
      <h3 id="other-actions-title">{t('runner.otherActions')}</h3>
      <ReasonAction events={events} sender={sender} secondary />
    </section>
  );
}

function Disclosure({ view }: { view: InstanceView }) {
  const { t } = useI18n();
  const d = view.step.disclosure as { publish: string[] } | undefined;
  if (!d) return null;
  return (
    <div data-testid="disclosure">
      <p>
        <span className="badge">{t('runner.disclosed')}</span>
      </p>
      {view.objections.length > 0 && (
        <p>
          {t('runner.objections')}: {view.objections.length}
        </p>
      )}
    </div>
  );
}

/**
 * The first form starts with the matter's title, as typed when starting it, in its subject field
 * (事项名称) when the form has one and it is still empty; `title` is null when the starter typed none
 * (the matter then carries the flow's own title) or this is not the first step.
 */
function titleAsSubject(initial: unknown, schema: unknown, title: string | null): unknown {
  const subject = (schema as { properties?: { subject?: { type?: unknown } } } | undefined)?.properties?.subject;
  if (!title || subject?.type !== 'string') return initial;
  if (initial !== undefined && (initial === null || typeof initial !== 'object' || Array.isArray(initial))) return initial;
  const current = initial as Record<string, unknown> | undefined;
  return current?.subject !== undefined ? current : { ...current, subject: title };
}
