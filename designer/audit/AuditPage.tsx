// The auditor's view of one instance: whether its hash chain verifies, the timeline of every
// record, a step-by-step replay of every intermediate state (who did what, when, with what, and
// what changed from the step before), meeting results, and the export bundle that
// `villageflow verify` checks offline.
import { useEffect, useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { type Flow, type HistoryRecord, type SealedBallot, type VoteResult, labelAt, parsePointer } from '../../engine/index.ts';
import { api } from '../app/trpc.ts';
import { ErrorBox, formatTime, Loading, TableHead } from '../app/ui.tsx';
import { RosterLine } from './RosterLine.tsx';
import { useI18n } from '../i18n/index.tsx';
import { downloadFile } from '../app/download.ts';
import { diffData, splitContainers, type DiffEntry } from './diff.ts';
import { useLabelers } from './labelers.ts';
import { RevealScope } from './Personal.tsx';
import { ActorName } from './ActorName.tsx';
import { RECALENDAR, RecalendarLines } from '../calendar/DueNotes.tsx';
import { isVoteResult, useFieldLabel, ValueView, VoteSummary, type Labeler } from './Values.tsx';

type Replay = Awaited<ReturnType<typeof api.audit.replay.query>>;
type Step = Replay['steps'][number];
type InstanceView = Awaited<ReturnType<typeof api.instances.get.query>>;

export function AuditPage({ id }: { id: string }) {
  const replay = useQuery({ queryKey: ['audit', 'replay', id], queryFn: () => api.audit.replay.query({ id }) });
  const view = useQuery({ queryKey: ['instance', id], queryFn: () => api.instances.get.query({ id }) });
  // The stored records as they are, including any after a break in the chain (not replayed).
  const history = useQuery({ queryKey: ['audit', 'history', id], queryFn: () => api.audit.history.query({ id }) });
  const queries = [replay, view, history];
  if (queries.some((q) => q.isLoading)) return <Loading />;
  const error = queries.find((q) => q.error)?.error;
  if (error) return <ErrorBox error={error} onRetry={() => queries.forEach((q) => void q.refetch())} />;
  if (!replay.data || !view.data || !history.data) return null;
  return (
    <RevealScope instanceId={id} canReveal={view.data.canReveal}>
      <AuditView id={id} view={view.data} replay={replay.data} history={history.data} />
    </RevealScope>
  );
}

function AuditView({ id, view, replay, history }: { id: string; view: InstanceView; replay: Replay; history: HistoryRecord[] }) {
  const { t, text } = useI18n();
  const { instance, flow } = view;
  const steps = replay.steps;
  // Who acted, by name (the id stays beside it, as the exported history keeps it).
  const names = useQuery({ queryKey: ['org', 'names', id], queryFn: () => api.org.names.query({ instanceId: id }) }).data ?? {};
  const [index, setIndex] = useState(0);
  const at = Math.min(index, Math.max(0, steps.length - 1));
  const go = (i: number) => setIndex(Math.max(0, Math.min(steps.length - 1, i)));

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
      const target = e.target as HTMLElement | null;
      // Form fields keep their own keys (the range slider moves the replay through onChange).
      if (target && (target.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName))) return;
      const moves: Record<string, (i: number) => number> = {
        ArrowLeft: (i) => i - 1,
        ArrowRight: (i) => i + 1,
        Home: () => 0,
        End: () => steps.length - 1,
      };
      const move = moves[e.key];
      if (!move) return;
      e.preventDefault();
      setIndex((i) => Math.max(0, Math.min(steps.length - 1, move(i))));
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [steps.length]);

  const stateTitle = (state: string) => text(flow.states[state]?.title) || state;
  return (
    <article className="audit" data-testid="audit">
      <header>
        <h1>{t('audit.heading', { title: instance.title })}</h1>
        <p className="muted">
          {view.village.name} · {text(flow.title)} · {stateTitle(instance.state)} · {t(`audit.status.${instance.status}`)} ·{' '}
          <Link href={`/instances/${instance.id}`}>{t('audit.back')}</Link>
        </p>
      </header>
      <VerifyBanner verified={replay.verified} shown={steps.length} />
      <ExportBundle id={id} />
      <Timeline records={history.length >= steps.length ? history : steps.map((x) => x.record)} flow={flow} verified={steps.length} at={at} go={go} stateTitle={stateTitle} names={names} />
      {steps.length > 0 && (
        <section className="panel replay" aria-labelledby="replay-title" data-testid="replay" data-step={at + 1}>
          <h2 id="replay-title">{t('audit.replay')}</h2>
          <div className="replay-controls no-print">
            <button type="button" className="secondary" onClick={() => go(0)} disabled={at === 0}>
              « {t('audit.first')}
            </button>
            <button type="button" onClick={() => go(at - 1)} disabled={at === 0}>
              ← {t('audit.prev')}
            </button>
            <input
              type="range"
              min={1}
              max={steps.length}
              value={at + 1}
              onChange={(e) => go(Number(e.target.value) - 1)}
              aria-label={t('audit.slider')}
              aria-valuetext={t('audit.stepOf', { i: at + 1, n: steps.length })}
            />
            <button type="button" onClick={() => go(at + 1)} disabled={at === steps.length - 1}>
              {t('audit.next')} →
            </button>
            <button type="button" className="secondary" onClick={() => go(steps.length - 1)} disabled={at === steps.length - 1}>
              {t('audit.last')} »
            </button>
            <span className="step-of" aria-live="polite" data-testid="step-of">
              {t('audit.stepOf', { i: at + 1, n: steps.length })}
            </span>
          </div>
          <p className="muted small no-print">{t('audit.keyboardHint')}</p>
          <StepDetail flow={flow} steps={steps} at={at} stateTitle={stateTitle} names={names} />
        </section>
      )}
    </article>
  );
}

function VerifyBanner({ verified, shown }: { verified: Replay['verified']; shown: number }) {
  const { t } = useI18n();
  if (verified.ok) {
    return (
      <section className="verify ok" role="status" data-testid="verify" data-ok="true">
        <p className="verify-title">✔ {t('audit.verifyOk', { n: verified.count })}</p>
        <p className="small">
          {t('audit.verifyOkDetail')} <code className="hash">{verified.head ?? '—'}</code>
        </p>
      </section>
    );
  }
  return (
    <section className="verify bad" role="alert" data-testid="verify" data-ok="false">
      <p className="verify-title">✘ {t('audit.verifyFailed', { seq: verified.seq })}</p>
      <p>{t('audit.verifyReason', { reason: verified.reason })}</p>
      <p className="small">{t('audit.verifyFailedDetail', { n: shown })}</p>
    </section>
  );
}

function ExportBundle({ id }: { id: string }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const file = `${id}.bundle.json`;
  const download = async () => {
    setBusy(true);
    setError(null);
    try {
      const bundle = await api.audit.export.query({ id });
      downloadFile(file, `${JSON.stringify(bundle, null, 2)}\n`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="export no-print">
      <button type="button" onClick={download} disabled={busy} data-testid="download-bundle">
        ⤓ {busy ? t('audit.downloading') : t('audit.download')}
      </button>
      <span className="muted small">
        {t('audit.downloadHint')} <code>villageflow verify {file}</code>
      </span>
      {error !== null && <ErrorBox error={error} />}
    </section>
  );
}

function Timeline({ records, flow, verified, at, go, stateTitle, names }: { records: HistoryRecord[]; flow: Flow; verified: number; at: number; go: (i: number) => void; stateTitle: (s: string) => string; names: Record<string, string> }) {
  const { t, role } = useI18n();
  return (
    <section className="panel" aria-labelledby="timeline-title">
      <h2 id="timeline-title">{t('audit.timeline')}</h2>
      <div className="table-wrap">
        <table className="table timeline" data-testid="timeline">
          <TableHead columns={[t('audit.colSeq'), t('audit.colTime'), t('audit.colActor'), t('audit.colEvent'), t('audit.colState'), t('audit.colHash')]} />
          <tbody>
            {records.map((record, i) => {
              const ok = i < verified;
              const className = !ok ? (i === verified ? 'unverified first-bad' : 'unverified') : i === at ? 'selected' : undefined;
              return (
                <tr key={`${i}:${record.seq}`} className={className} aria-current={ok && i === at ? 'step' : undefined} onClick={ok ? () => go(i) : undefined} data-verified={ok}>
                  <td>
                    {ok ? (
                      <button type="button" className="link-button" onClick={() => go(i)} aria-label={t('audit.showStep', { seq: record.seq })}>
                        {record.seq}
                      </button>
                    ) : (
                      <span className="seq">{String(record.seq)}</span>
                    )}
                  </td>
                  <td className="nowrap">{formatTime(record.at)}</td>
                  <td>
                    <ActorName id={record.actor?.id} names={names} /> {record.actor?.id !== 'system' && <span className="muted">{t('audit.role', { role: role(record.actor?.role) })}</span>}
                  </td>
                  <td>
                    <EventName type={record.type} />
                    <RecalendarLines record={record} flow={flow} showVersion />
                    {!ok && <span className="badge danger">{i === verified ? t('audit.failedRecord') : t('audit.notReplayed')}</span>}
                  </td>
                  <td>{stateTitle(record.state)}</td>
                  <td>
                    <code className="hash" title={record.hash}>
                      {String(record.hash).slice(0, 12)}…
                    </code>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function EventName({ type }: { type: string }) {
  const { t } = useI18n();
  const name = t(`audit.events.${type}`);
  return <>{name === `audit.events.${type}` ? type : name}</>;
}

function StepDetail({ flow, steps, at, stateTitle, names }: { flow: Flow; steps: Step[]; at: number; stateTitle: (s: string) => string; names: Record<string, string> }) {
  const { t, text, role } = useI18n();
  const labelers = useLabelers(flow);
  const fieldLabel = useFieldLabel();
  const step = steps[at]!;
  const prev = at > 0 ? steps[at - 1]! : null;
  const { record } = step;
  // A container with no title of its own (/votes) is shown as its members (each meeting's result).
  const changes = useMemo(
    () => splitContainers(diffData(prev?.data ?? {}, step.data), (path, value) => !isVoteResult(value) && !labelAt(flow, path)),
    [flow, prev, step],
  );
  const newVotes = new Set(Object.keys(step.votes).filter((k) => !prev || !(k in prev.votes)));

  /** 党支部提议表 › 预算金额（元）: the title of every level of a data pointer. */
  const pathLabel = (pointer: string) => {
    const keys = parsePointer(pointer);
    return keys
      .map((key, i) => {
        const p = `/${keys
          .slice(0, i + 1)
          .map((k) => k.replace(/~/g, '~0').replace(/\//g, '~1'))
          .join('/')}`;
        return labelers.data.label(p, key) ?? fieldLabel(key);
      })
      .join(' › ');
  };
  const movement = !prev ? t('audit.started', { to: stateTitle(record.state) }) : prev.state === step.state ? t('audit.stayed', { state: stateTitle(step.state) }) : t('audit.moved', { from: stateTitle(prev.state), to: stateTitle(step.state) });
  // A form's payload is labelled by the schema of where it is saved.
  const saveTo = prev && record.type === 'SUBMIT' ? flow.states[prev.state]?.form?.saveTo : undefined;

  return (
    <div className="step-detail" data-testid="step-detail" data-seq={record.seq}>
      <dl className="step-facts">
        <div>
          <dt>{t('audit.what')}</dt>
          <dd>
            <strong>
              #{record.seq} <EventName type={record.type} />
            </strong>
          </dd>
        </div>
        <div>
          <dt>{t('audit.who')}</dt>
          <dd>
            <ActorName id={record.actor.id} names={names} /> {record.actor.id !== 'system' && t('audit.role', { role: role(record.actor.role) })}
          </dd>
        </div>
        <div>
          <dt>{t('audit.when')}</dt>
          <dd>{formatTime(record.at)}</dd>
        </div>
        <div>
          <dt>{t('audit.step')}</dt>
          <dd>
            {movement} · {t(`audit.status.${step.status}`)}
          </dd>
        </div>
        <div className="wide">
          <dt>{t('audit.hash')}</dt>
          <dd>
            <code className="hash">{record.hash}</code>
          </dd>
        </div>
        <div className="wide">
          <dt>{t('audit.prevHash')}</dt>
          <dd>
            <code className="hash">{record.prev ?? t('audit.none')}</code>
          </dd>
        </div>
      </dl>

      <div className="replay-grid">
        <section aria-labelledby="payload-title" className="sub-panel">
          <h3 id="payload-title">{t('audit.payload')}</h3>
          <Payload flow={flow} record={record} labeler={saveTo ? labelers.data : labelers.plain} base={saveTo ?? ''} />
          <RosterLine record={record} />
        </section>
        <section aria-labelledby="diff-title" className="sub-panel" data-testid="diff" data-count={changes.length}>
          <h3 id="diff-title">{t('audit.changes')}</h3>
          {changes.length === 0 ? (
            <p className="muted">{t('audit.noChanges')}</p>
          ) : (
            <ul className="diff">
              {changes.map((c) => (
                <DiffRow key={`${c.kind}:${c.path}`} entry={c} label={pathLabel(c.path)} labeler={labelers.data} />
              ))}
            </ul>
          )}
        </section>
      </div>

      <section aria-labelledby="meetings-title" className="sub-panel">
        <h3 id="meetings-title">{t('audit.meetings')}</h3>
        {Object.keys(step.votes).length === 0 ? (
          <p className="muted">{t('audit.noMeetings')}</p>
        ) : (
          <div className="meetings">
            {Object.entries(step.votes).map(([state, vote]) => (
              <div key={state} className={newVotes.has(state) ? 'meeting new' : 'meeting'}>
                <VoteSummary vote={vote as VoteResult} title={text(flow.states[state]?.vote?.body) || stateTitle(state)} recorder />
              </div>
            ))}
          </div>
        )}
      </section>

      <details className="full-data">
        <summary>{t('audit.fullData')}</summary>
        <pre className="data">{JSON.stringify(step.data, null, 2)}</pre>
      </details>
    </div>
  );
}

function Payload({ flow, record, labeler, base }: { flow: Flow; record: HistoryRecord; labeler: Labeler; base: string }) {
  const { t, text } = useI18n();
  const payload = record.payload ?? {};
  if (record.type === 'START') {
    const f = payload.flow as { id?: string; version?: string; hash?: string } | undefined;
    const rest = Object.fromEntries(Object.entries(payload).filter(([k]) => k !== 'flow'));
    return (
      <>
        {f && (
          <>
            <p>{t('audit.flowVersion', { title: text(flow.title), id: f.id ?? '', version: f.version ?? '' })}</p>
            <p className="small">
              {t('audit.flowHash')} <code className="hash">{f.hash}</code>
            </p>
          </>
        )}
        {Object.keys(rest).length > 0 && <ValueView value={rest} pointer={base} labeler={labeler} />}
      </>
    );
  }
  if (record.type === RECALENDAR) return <RecalendarLines record={record} flow={flow} showVersion />;
  if (record.type === 'MIGRATE') {
    // A migration names both versions and where the instance left and landed (see engine/migrate.ts).
    const from = payload.from as { version?: string; hash?: string } | undefined;
    const to = payload.to as { version?: string; hash?: string } | undefined;
    const [[leaving, landing] = ['', '']] = Object.entries((payload.map as Record<string, string> | undefined) ?? {});
    const title = (s: string) => text(flow.states[s]?.title) || s;
    return (
      <div data-testid="migration-payload">
        <p>{t('audit.migrated', { from: from?.version ?? '', to: to?.version ?? '', leaving: title(leaving), landing: title(landing) })}</p>
        {typeof payload.reason === 'string' && <p>{t('audit.migrateReason', { reason: payload.reason })}</p>}
        <p className="small">
          {t('audit.flowHash')} <code className="hash">{to?.hash}</code>
        </p>
      </div>
    );
  }
  // A secret ballot's record names the voter only; the closing record carries the ballot box.
  if (record.type === 'CAST_BALLOT' && Object.keys(payload).length === 0) return <p data-testid="sealed-ballot">{t('audit.sealedBallot')}</p>;
  if (record.type === 'CLOSE_VOTE' && Array.isArray(payload.box)) {
    const { box, ...rest } = payload as { box: SealedBallot[] };
    const count = (c: string) => box.filter((b) => b.choice === c).length;
    return (
      <div data-testid="ballot-box">
        {Object.keys(rest).length > 0 && <ValueView value={rest} pointer={base} labeler={labeler} />}
        <p>{t('audit.ballotBox', { n: box.length, for: count('for'), against: count('against'), abstain: count('abstain') })}</p>
        <details>
          <summary>{t('audit.ballotId')}</summary>
          <ol className="small">
            {box.map((b) => (
              <li key={b.id}>
                <code className="hash">{b.id}</code> {t(`audit.ballot.${b.choice}`)}
              </li>
            ))}
          </ol>
        </details>
      </div>
    );
  }
  if (Object.keys(payload).length === 0) return <p className="muted">{t('audit.noPayload')}</p>;
  return <ValueView value={payload} pointer={base} labeler={labeler} />;
}

function DiffRow({ entry, label, labeler }: { entry: DiffEntry; label: string; labeler: Labeler }) {
  const { t } = useI18n();
  const scalar = (v: unknown) => v === null || typeof v !== 'object';
  return (
    <li className={`diff-row diff-${entry.kind}`} data-kind={entry.kind}>
      <p className="diff-head">
        <span className="badge diff-badge">{t(`audit.kind.${entry.kind}`)}</span> <strong>{label || '/'}</strong> <code className="ptr">{entry.path || '/'}</code>
      </p>
      {entry.kind === 'added' && <ValueView value={entry.after} pointer={entry.path} labeler={labeler} />}
      {entry.kind === 'removed' && (
        <div className="diff-old">
          <ValueView value={entry.before} pointer={entry.path} labeler={labeler} />
        </div>
      )}
      {entry.kind === 'changed' &&
        (scalar(entry.before) && scalar(entry.after) ? (
          <p className="diff-change">
            <span className="diff-old" aria-label={t('audit.before')}>
              <ValueView value={entry.before} pointer={entry.path} labeler={labeler} />
            </span>
            {' → '}
            <span className="diff-new" aria-label={t('audit.after')}>
              <ValueView value={entry.after} pointer={entry.path} labeler={labeler} />
            </span>
          </p>
        ) : (
          <div className="diff-change-block">
            <div className="diff-old">
              <p className="small muted">{t('audit.before')}</p>
              <ValueView value={entry.before} pointer={entry.path} labeler={labeler} />
            </div>
            <div className="diff-new">
              <p className="small muted">{t('audit.after')}</p>
              <ValueView value={entry.after} pointer={entry.path} labeler={labeler} />
            </div>
          </div>
        ))}
    </li>
  );
}
